//! The ranking itself: a pure function of the catalogue, the platform's anonymous next-step
//! statistics and what the device knows (profile facts, life events, history, dismissals).
//! Deterministic: the same inputs give the same list (ties broken by item id).
//!
//! Each service's score adds up the signals below; the largest one is its reason.
//! - **Life event** ([`LIFE_EVENT_WEIGHT`]): the services of the bundle a recent life event
//!   starts (a birth → the newborn bundle), fading with a half-life of [`LIFE_EVENT_HALF_LIFE_DAYS`]
//!   and gone after [`LIFE_EVENT_HORIZON_DAYS`]; earlier bundle steps a little higher.
//! - **Next step** ([`NEXT_STEP_WEIGHT`]): P(service | a service the person took), from the
//!   platform's published transitions, over their last [`NEXT_STEP_MEMORY`] distinct services,
//!   the most recent counting most.
//! - **Recurring** ([`RECURRING_WEIGHT`]): a service the person took before, by the share of
//!   people who take it again, most when the usual interval (published) has about passed since
//!   their last time.
//! - **Profile** ([`PROFILE_WEIGHT`]): bundles that fit the profile (60 or over → retirement and
//!   elderly care; children → school enrolment; a vehicle → car ownership; a catering
//!   enterprise → opening a restaurant; an enterprise under two years old → opening a business).
//! - **Interest** ([`INTEREST_WEIGHT`]): a service looked at or searched for in the last 30 days
//!   and not applied for.
//! - **Popular** ([`POPULAR_WEIGHT`]): how many people take it, relative to the most taken
//!   service: among people of the holder's segment (age band, industry) where the platform
//!   publishes it, else among everyone; so a person with no history still gets a sensible list.
//!
//! A one-off service already applied for (fewer than [`ONE_OFF_BELOW`] of people take it again)
//! counts a quarter; a dismissed one is never listed, and "not for me" also stops life-event
//! suggestions from its bundles. The weights are set by hand from what each signal means, in
//! this order of strength: something the person looked at, a life event, what usually comes next,
//! a recurring obligation falling due, the profile, popularity.

use std::collections::HashMap;

use super::model::{Dismissal, HistoryEvent, HistoryKind, LifeEvent, NextStepStats, ProfileFacts, ReasonKind, Recommendation};
use crate::catalogue::{Audience, Bundle, ServiceItem};

/// Weight of a fresh life event.
pub const LIFE_EVENT_WEIGHT: f64 = 3.0;
/// A life event's weight halves every this many days.
pub const LIFE_EVENT_HALF_LIFE_DAYS: f64 = 120.0;
/// Life events older than this are ignored.
pub const LIFE_EVENT_HORIZON_DAYS: i64 = 730;
/// Weight of the next-step probability.
pub const NEXT_STEP_WEIGHT: f64 = 4.0;
/// How many of the person's most recent distinct services the next step looks at.
pub const NEXT_STEP_MEMORY: usize = 3;
/// Weight of a recurring service falling due.
pub const RECURRING_WEIGHT: f64 = 3.0;
/// A service fewer than this share of people take again is a one-off.
pub const ONE_OFF_BELOW: f64 = 0.15;
/// Weight of a profile fit.
pub const PROFILE_WEIGHT: f64 = 1.0;
/// Weight of a recent look or search: the strongest sign of intent, above any other signal's
/// largest value.
pub const INTEREST_WEIGHT: f64 = 5.0;
/// Weight of popularity (at most).
pub const POPULAR_WEIGHT: f64 = 1.0;
/// What is left of a service's score once the person has applied for it.
pub const ALREADY_TAKEN_FACTOR: f64 = 0.25;
const DAY: i64 = 86_400;
const INTEREST_DAYS: i64 = 30;

/// What ranking needs of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankableItem {
    /// Its id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Who it is for.
    pub audience: Audience,
}

impl From<&crate::catalogue::ItemSummary> for RankableItem {
    fn from(item: &crate::catalogue::ItemSummary) -> Self {
        Self { id: item.id.clone(), name_zh: item.name_zh.clone(), name_en: item.name_en.clone(), audience: item.audience }
    }
}

impl From<&ServiceItem> for RankableItem {
    fn from(item: &ServiceItem) -> Self {
        Self { id: item.id.clone(), name_zh: item.name_zh.clone(), name_en: item.name_en.clone(), audience: item.audience }
    }
}

/// What the device knows, for one ranking.
#[derive(Debug, Clone, Copy)]
pub struct RankingInput<'a> {
    /// Profile facts.
    pub profile: &'a ProfileFacts,
    /// Life events.
    pub life_events: &'a [LifeEvent],
    /// History, any order.
    pub history: &'a [HistoryEvent],
    /// Dismissed items.
    pub dismissed: &'a HashMap<String, Dismissal>,
    /// Now (Unix seconds).
    pub now: i64,
}

/// The catalogue and the statistics, prepared once for many rankings.
#[derive(Debug, Clone)]
pub struct Ranker {
    items: Vec<RankableItem>,
    index: HashMap<String, usize>,
    /// Per bundle id: its names and its items' indices in the bundle's order.
    bundles: HashMap<String, (String, String, Vec<usize>)>,
    /// Per item index: the bundles it is in.
    item_bundles: Vec<Vec<String>>,
    /// Per item index: (next item index, P(next | item)).
    next: Vec<Vec<(usize, f64)>>,
    /// Per item index: popularity in 0..=1.
    popularity: Vec<f64>,
    /// Per item index: (share of people who take it again, median interval in days), if published.
    repeats: Vec<Option<(f64, f64)>>,
    /// Per segment: popularity in 0..=1 per item index.
    segments: HashMap<String, Vec<f64>>,
}

/// One signal's contribution and what to say about it.
#[derive(Clone)]
struct Signal {
    score: f64,
    reason: ReasonKind,
    bundle: Option<String>,
    zh: String,
    en: String,
}

impl Ranker {
    /// Prepares the ranking of `items` (catalogue order) with their `bundles` and the platform's
    /// next-step `stats` (counts naming unknown services are ignored).
    pub fn new(items: Vec<RankableItem>, bundles: &[Bundle], stats: &NextStepStats) -> Self {
        let index: HashMap<String, usize> = items.iter().enumerate().map(|(i, item)| (item.id.clone(), i)).collect();
        let mut item_bundles = vec![Vec::new(); items.len()];
        let mut bundle_map = HashMap::new();
        for bundle in bundles {
            let members: Vec<usize> = bundle.items.iter().filter_map(|id| index.get(id).copied()).collect();
            for &m in &members {
                item_bundles[m].push(bundle.id.clone());
            }
            bundle_map.insert(bundle.id.clone(), (bundle.name_zh.clone(), bundle.name_en.clone(), members));
        }
        let mut totals: HashMap<usize, f64> = HashMap::new();
        let mut next: Vec<Vec<(usize, f64)>> = vec![Vec::new(); items.len()];
        for t in &stats.transitions {
            if let (Some(&from), Some(&to)) = (index.get(&t.from), index.get(&t.to)) {
                if from != to {
                    *totals.entry(from).or_default() += f64::from(t.count);
                    next[from].push((to, f64::from(t.count)));
                }
            }
        }
        for (from, list) in next.iter_mut().enumerate() {
            let total = totals.get(&from).copied().unwrap_or(0.0);
            for (_, p) in list.iter_mut() {
                *p /= total.max(1.0);
            }
        }
        let mut popularity = vec![0.0; items.len()];
        let max = stats.popularity.iter().map(|c| c.count).max().unwrap_or(0);
        for c in &stats.popularity {
            if let Some(&i) = index.get(&c.item) {
                popularity[i] = f64::from(c.count) / f64::from(max.max(1));
            }
        }
        let mut repeats = vec![None; items.len()];
        for r in &stats.repeats {
            if let Some(&i) = index.get(&r.item) {
                if r.people > 0 && r.interval_days > 0 {
                    repeats[i] = Some(((f64::from(r.again) / f64::from(r.people)).min(1.0), f64::from(r.interval_days)));
                }
            }
        }
        let mut segments: HashMap<String, Vec<f64>> = HashMap::new();
        let mut segment_max: HashMap<&str, u32> = HashMap::new();
        for c in &stats.segments {
            let max = segment_max.entry(c.segment.as_str()).or_default();
            *max = (*max).max(c.count);
        }
        for c in &stats.segments {
            if let Some(&i) = index.get(&c.item) {
                let max = segment_max.get(c.segment.as_str()).copied().unwrap_or(1).max(1);
                segments.entry(c.segment.clone()).or_insert_with(|| vec![0.0; items.len()])[i] = f64::from(c.count) / f64::from(max);
            }
        }
        Self { items, index, bundles: bundle_map, item_bundles, next, popularity, repeats, segments }
    }

    /// How many services it ranks.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it ranks nothing.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The `limit` best services for `input`, best first (score, then item id).
    pub fn rank(&self, input: &RankingInput<'_>, limit: usize) -> Vec<Recommendation> {
        let n = self.items.len();
        let mut best: Vec<Option<Signal>> = vec![None; n];
        let mut total = vec![0.0f64; n];
        let mut add = |i: usize, signal: Signal| {
            total[i] += signal.score;
            if best[i].as_ref().is_none_or(|b| signal.score > b.score) {
                best[i] = Some(signal);
            }
        };
        let not_for_me_bundles: Vec<&String> = input
            .dismissed
            .iter()
            .filter(|(_, d)| **d == Dismissal::NotForMe)
            .filter_map(|(item, _)| self.index.get(item))
            .flat_map(|&i| self.item_bundles[i].iter())
            .collect();

        // Life events.
        for event in input.life_events {
            let age_days = (input.now - event.at).div_euclid(DAY);
            if !(0..=LIFE_EVENT_HORIZON_DAYS).contains(&age_days) {
                continue;
            }
            let bundle_id = event.kind.bundle();
            if not_for_me_bundles.iter().any(|b| b.as_str() == bundle_id) {
                continue;
            }
            let Some((bundle_zh, bundle_en, members)) = self.bundles.get(bundle_id) else { continue };
            let fade = 0.5f64.powf(age_days as f64 / LIFE_EVENT_HALF_LIFE_DAYS);
            let date = china_date(event.at);
            let (event_zh, event_en) = event.kind.names();
            for (position, &i) in members.iter().enumerate() {
                let score = LIFE_EVENT_WEIGHT * fade * (1.0 - 0.02 * position.min(10) as f64);
                add(
                    i,
                    Signal {
                        score,
                        reason: ReasonKind::LifeEvent,
                        bundle: Some(bundle_id.to_owned()),
                        zh: format!("因为您于{date}办理了{event_zh}（{bundle_zh}一件事）"),
                        en: format!("because {event_en} on {date} ({bundle_en})"),
                    },
                );
            }
        }

        // Next steps after the most recent distinct services taken.
        let mut taken: Vec<&HistoryEvent> = input.history.iter().filter(|h| h.kind == HistoryKind::Case).collect();
        taken.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.item_id.cmp(&b.item_id)));
        let mut recent: Vec<usize> = Vec::new();
        for h in &taken {
            if let Some(&i) = self.index.get(&h.item_id) {
                if !recent.contains(&i) {
                    recent.push(i);
                }
            }
            if recent.len() == NEXT_STEP_MEMORY {
                break;
            }
        }
        for (rank, &from) in recent.iter().enumerate() {
            let weight = NEXT_STEP_WEIGHT / f64::from(1u32 << rank);
            let (from_zh, from_en) = (&self.items[from].name_zh, &self.items[from].name_en);
            for &(to, p) in &self.next[from] {
                add(
                    to,
                    Signal {
                        score: weight * p,
                        reason: ReasonKind::NextStep,
                        bundle: None,
                        zh: format!("办理过“{from_zh}”的人通常接着办理此事"),
                        en: format!("people who did “{from_en}” usually do this next"),
                    },
                );
            }
        }

        // Recurring services falling due: when the person took each (newest first). Someone who
        // took a service k times takes it again at least as likely as (k-1)/k, at their own usual
        // interval; else at the published share and interval.
        let mut takes: HashMap<usize, Vec<i64>> = HashMap::new();
        for h in &taken {
            if let Some(&i) = self.index.get(&h.item_id) {
                takes.entry(i).or_default().push(h.at);
            }
        }
        for (&i, times) in &takes {
            let Some((published_again, published_interval)) = self.repeats[i] else { continue };
            let at = times[0];
            let k = times.len() as f64;
            let (again, interval) = if times.len() >= 2 {
                let mut gaps: Vec<f64> = times.windows(2).map(|w| ((w[0] - w[1]) as f64 / DAY as f64).max(1.0)).collect();
                gaps.sort_by(f64::total_cmp);
                (published_again.max((k - 1.0) / k), gaps[gaps.len() / 2])
            } else {
                (published_again, published_interval)
            };
            let days = (input.now - at) as f64 / DAY as f64;
            // Highest when the usual interval has passed; about half as much at half or double it.
            let due = if days <= 0.0 { 0.0 } else { (-(days / interval).ln().powi(2) / (2.0 * 0.6f64.powi(2))).exp() };
            let date = china_date(at);
            let every = interval.round();
            add(
                i,
                Signal {
                    score: RECURRING_WEIGHT * again * due,
                    reason: ReasonKind::Recurring,
                    bundle: None,
                    zh: if times.len() >= 2 {
                        format!("您通常约每{every}天办理一次此事项（上次{date}）")
                    } else {
                        format!("您于{date}办理过此事项，多数人约每{every}天办理一次")
                    },
                    en: if times.len() >= 2 {
                        format!("you usually do this about every {every} days (last on {date})")
                    } else {
                        format!("you did this on {date}; people usually do it again about every {every} days")
                    },
                },
            );
        }

        // The profile.
        for (bundle_id, strength, zh, en) in profile_bundles(input.profile) {
            let Some((_, _, members)) = self.bundles.get(bundle_id) else { continue };
            for &i in members {
                add(
                    i,
                    Signal {
                        score: PROFILE_WEIGHT * strength,
                        reason: ReasonKind::Profile,
                        bundle: None,
                        zh: format!("根据您的情况：{zh}"),
                        en: format!("because of your profile: {en}"),
                    },
                );
            }
        }

        // Recent interest not yet acted on.
        let applied: std::collections::HashSet<usize> = taken.iter().filter_map(|h| self.index.get(&h.item_id).copied()).collect();
        let mut interested: Vec<usize> = input
            .history
            .iter()
            .filter(|h| h.kind != HistoryKind::Case && input.now - h.at <= INTEREST_DAYS * DAY)
            .filter_map(|h| self.index.get(&h.item_id).copied())
            .filter(|i| !applied.contains(i))
            .collect();
        interested.sort_unstable();
        interested.dedup();
        for i in interested {
            add(
                i,
                Signal {
                    score: INTEREST_WEIGHT,
                    reason: ReasonKind::Interest,
                    bundle: None,
                    zh: "您最近查看过此事项".into(),
                    en: "you looked at it recently".into(),
                },
            );
        }

        // Popularity: among people like the holder where published, else among everyone.
        let segment = input.profile.segment().and_then(|s| self.segments.get(&s));
        let (popularity, zh, en) = match (segment, input.profile.audience) {
            (Some(p), Some(Audience::Enterprise)) => (p, "同行业企业常办此事项", "businesses in your industry often use it"),
            (Some(p), _) => (p, "与您同年龄段的人常办此事项", "people of your age group often use it"),
            (None, _) => (&self.popularity, "很多人在办理此事项", "many people use it"),
        };
        for (i, &p) in popularity.iter().enumerate() {
            if p > 0.0 {
                add(i, Signal { score: POPULAR_WEIGHT * p, reason: ReasonKind::Popular, bundle: None, zh: zh.into(), en: en.into() });
            }
        }

        let mut ranked: Vec<(usize, f64)> = (0..n)
            .filter(|&i| best[i].is_some())
            .filter(|&i| input.profile.audience.is_none_or(|a| self.items[i].audience == a))
            .filter(|&i| !input.dismissed.contains_key(&self.items[i].id))
            .map(|i| {
                let one_off = self.repeats[i].is_none_or(|(again, _)| again < ONE_OFF_BELOW);
                (i, if applied.contains(&i) && one_off { total[i] * ALREADY_TAKEN_FACTOR } else { total[i] })
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| self.items[a.0].id.cmp(&self.items[b.0].id)));
        ranked
            .into_iter()
            .take(limit)
            .filter_map(|(i, score)| {
                let signal = best[i].take()?;
                let item = &self.items[i];
                Some(Recommendation {
                    item_id: item.id.clone(),
                    name_zh: item.name_zh.clone(),
                    name_en: item.name_en.clone(),
                    bundle_id: signal.bundle,
                    score,
                    reason: signal.reason,
                    reason_zh: signal.zh,
                    reason_en: signal.en,
                })
            })
            .collect()
    }
}

/// The bundles a profile fits, how strongly, and how to say why.
fn profile_bundles(p: &ProfileFacts) -> Vec<(&'static str, f64, &'static str, &'static str)> {
    let mut fits = Vec::new();
    match p.audience {
        Some(Audience::Enterprise) => {
            if p.industry.as_deref() == Some("catering") {
                fits.push(("opening-a-restaurant", 1.0, "餐饮企业", "a catering business"));
            }
            if p.enterprise_age_years.is_some_and(|y| y < 2) {
                fits.push(("opening-a-business", 0.8, "新设立企业", "a business less than two years old"));
            }
        }
        _ => {
            if p.age.is_some_and(|a| a >= 60) {
                fits.push(("elderly-care", 1.0, "60岁及以上", "aged 60 or over"));
                fits.push(("retirement", 0.8, "60岁及以上", "aged 60 or over"));
            } else if p.age.is_some_and(|a| a >= 55) {
                fits.push(("retirement", 0.6, "临近退休年龄", "close to retirement age"));
            }
            if p.children > 0 {
                fits.push(("school-enrolment", 1.0, "家中有子女", "children in the household"));
            }
            if p.has_vehicle {
                fits.push(("car-ownership", 0.6, "名下有机动车", "a vehicle registered to you"));
            }
        }
    }
    fits
}

/// `YYYY-MM-DD` of a Unix time, China time.
pub(crate) fn china_date(unix: i64) -> String {
    let (y, m, d) = crate::autofill::validate::china_today(unix);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::model::{AgeBand, ItemCount, LifeEventKind, Repeat, SegmentCount, Transition};

    fn item(id: &str, audience: Audience) -> RankableItem {
        RankableItem { id: id.into(), name_zh: format!("{id}-zh"), name_en: format!("{id}-en"), audience }
    }

    fn ranker() -> Ranker {
        let items = ["a", "b", "c", "d", "e", "newborn-1", "newborn-2", "biz"]
            .iter()
            .map(|id| item(id, if *id == "biz" { Audience::Enterprise } else { Audience::Person }))
            .collect();
        let bundles = vec![Bundle {
            id: "birth".into(),
            name_zh: "出生".into(),
            name_en: "A birth".into(),
            items: vec!["newborn-1".into(), "newborn-2".into()],
        }];
        let stats = NextStepStats {
            min_contributors: 20,
            transitions: vec![
                Transition { from: "a".into(), to: "b".into(), count: 60 },
                Transition { from: "a".into(), to: "c".into(), count: 20 },
            ],
            popularity: vec![ItemCount { item: "d".into(), count: 500 }, ItemCount { item: "e".into(), count: 40 }],
            repeats: vec![Repeat { item: "e".into(), people: 40, again: 30, interval_days: 365 }],
            segments: vec![SegmentCount { segment: "age_band:senior".into(), item: "c".into(), count: 90 }],
        };
        Ranker::new(items, &bundles, &stats)
    }

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn china_dates() {
        assert_eq!(china_date(0), "1970-01-01");
        assert_eq!(china_date(1_700_000_000), "2023-11-15");
        assert_eq!(china_date(951_782_400 - 8 * 3600), "2000-02-29");
    }

    #[test]
    fn a_life_event_puts_its_bundle_first_with_a_dated_reason() {
        let r = ranker();
        let profile = ProfileFacts { audience: Some(Audience::Person), ..Default::default() };
        let events = [LifeEvent { kind: LifeEventKind::Birth, at: NOW - 3 * DAY }];
        let dismissed = HashMap::new();
        let input = RankingInput { profile: &profile, life_events: &events, history: &[], dismissed: &dismissed, now: NOW };
        let list = r.rank(&input, 10);
        assert_eq!(list[0].item_id, "newborn-1");
        assert_eq!(list[1].item_id, "newborn-2");
        assert_eq!(list[0].reason, ReasonKind::LifeEvent);
        assert!(list[0].reason_en.contains(&china_date(NOW - 3 * DAY)), "{}", list[0].reason_en);
        assert_eq!(list[0].bundle_id.as_deref(), Some("birth"));
        assert!(!list.iter().any(|r| r.item_id == "biz"), "an enterprise service is not offered to a person");
        // Same inputs, same list.
        assert_eq!(r.rank(&input, 10), list);
    }

    #[test]
    fn next_steps_follow_the_published_transitions_and_dismissals_are_never_listed() {
        let r = ranker();
        let profile = ProfileFacts::default();
        let history = [HistoryEvent { kind: HistoryKind::Case, item_id: "a".into(), at: NOW - DAY }];
        let mut dismissed = HashMap::new();
        let input = RankingInput { profile: &profile, life_events: &[], history: &history, dismissed: &dismissed, now: NOW };
        let list = r.rank(&input, 3);
        assert_eq!(list.iter().map(|r| r.item_id.as_str()).collect::<Vec<_>>(), ["b", "c", "d"]);
        assert_eq!(list[0].reason, ReasonKind::NextStep);
        assert!(list[0].reason_en.contains("a-en"));
        dismissed.insert("b".to_owned(), Dismissal::Dismiss);
        let input = RankingInput { profile: &profile, life_events: &[], history: &history, dismissed: &dismissed, now: NOW };
        assert_eq!(r.rank(&input, 1)[0].item_id, "c");
    }

    #[test]
    fn not_for_me_stops_the_bundle_of_a_life_event() {
        let r = ranker();
        let profile = ProfileFacts::default();
        let events = [LifeEvent { kind: LifeEventKind::Birth, at: NOW - DAY }];
        let dismissed = HashMap::from([("newborn-1".to_owned(), Dismissal::NotForMe)]);
        let input = RankingInput { profile: &profile, life_events: &events, history: &[], dismissed: &dismissed, now: NOW };
        let list = r.rank(&input, 10);
        assert!(!list.iter().any(|r| r.item_id.starts_with("newborn")), "{list:?}");
    }

    #[test]
    fn a_recurring_service_comes_back_when_it_falls_due() {
        let r = ranker();
        let profile = ProfileFacts::default();
        let dismissed = HashMap::new();
        let rank_at = |days_ago: i64| {
            let history = [HistoryEvent { kind: HistoryKind::Case, item_id: "e".into(), at: NOW - days_ago * DAY }];
            let input = RankingInput { profile: &profile, life_events: &[], history: &history, dismissed: &dismissed, now: NOW };
            r.rank(&input, 10)
        };
        let due = rank_at(360);
        assert_eq!((due[0].item_id.as_str(), due[0].reason), ("e", ReasonKind::Recurring));
        assert!(due[0].reason_en.contains("every 365 days"), "{}", due[0].reason_en);
        // Just done: not due yet, so popularity leads.
        assert_eq!(rank_at(10)[0].item_id, "d");
    }

    #[test]
    fn with_nothing_known_popular_services_come_first_and_ties_go_by_id() {
        let r = ranker();
        let profile = ProfileFacts::default();
        let dismissed = HashMap::new();
        let input = RankingInput { profile: &profile, life_events: &[], history: &[], dismissed: &dismissed, now: NOW };
        let list = r.rank(&input, 10);
        assert_eq!(list.iter().map(|r| r.item_id.as_str()).collect::<Vec<_>>(), ["d", "e"]);
        assert_eq!(list[0].reason, ReasonKind::Popular);
        // A senior: what seniors use, where the platform publishes it.
        let senior = ProfileFacts { age_band: Some(AgeBand::Senior), ..Default::default() };
        let input = RankingInput { profile: &senior, life_events: &[], history: &[], dismissed: &dismissed, now: NOW };
        let list = r.rank(&input, 10);
        assert_eq!(list.iter().map(|r| r.item_id.as_str()).collect::<Vec<_>>(), ["c"]);
        assert_eq!(list[0].reason_en, "people of your age group often use it");
    }
}
