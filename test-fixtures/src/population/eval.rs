//! The offline evaluation of the recommender (`citykit-sim recommend-eval`), leave-last-out,
//! against three baselines computed the same way (docs/population.md, "The evaluation").
//!
//! For every record (person or enterprise): its events sorted by time; the held-out target is
//! its last `case`; its history is every event before that; `now` is the target's time. Records
//! with fewer than two cases are skipped and counted.
//!
//! The platform's aggregates come from the training part only — every record's events before
//! its held-out case — and a count is published only where at least [`MIN_CONTRIBUTORS`]
//! people stand behind it (people, not events): people per service (popularity), people who took
//! `b` right after `a` (transitions, consecutive cases, `a → a` included), and people who took
//! both `a` and `b` (the item-kNN baseline's co-occurrences).
//!
//! Every method ranks the whole catalogue filtered to the record's audience (nothing else is
//! excluded: not what the person already did, not the history) by score, descending, then by
//! item id, ascending. Metrics for the single relevant item at rank r: HR@k = [r ≤ k],
//! NDCG@10 = 1/log2(r + 1) for r ≤ 10, averaged over the evaluated records.
//!
//! The methods:
//! - `recommender`: the core's [`Ranker`] with the published statistics, the record's profile
//!   facts at `now` ([`facts_at`]), its life events (licences, [`LifeEventKind::of_vct`]), its
//!   history (cases, views, searches) and no dismissals; services it gives no score come after
//!   the ones it lists, by id.
//! - `popularity`: people per service.
//! - `transitions`: P(next | the last case before the target) from the published transitions,
//!   ties (and an unknown last case) broken by popularity.
//! - `item-knn`: the sum, over the distinct services of the record's history cases, of the cosine
//!   similarity between that service and the candidate (over people's training histories,
//!   binary; a service's similarity with itself is 1); ties broken by popularity.

use std::collections::{BTreeMap, HashMap, HashSet};

use citykit_core::catalogue::CatalogueDocument;
use citykit_core::recommend::{
    HistoryEvent, HistoryKind, ItemCount, LifeEvent, LifeEventKind, NextStepStats, RankableItem, Ranker, RankingInput, Repeat,
    SegmentCount, Transition,
};
use serde::Serialize;

use super::format::{facts_at, Event, EventType, PopulationRecord, RecordKind};

/// The platform publishes a count only where at least this many people contribute.
pub const MIN_CONTRIBUTORS: u32 = 20;

/// The methods, in report order.
pub const METHODS: [&str; 4] = ["recommender", "popularity", "transitions", "item-knn"];

/// One method's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodScores {
    /// `recommender`, `popularity`, `transitions` or `item-knn`.
    pub method: String,
    /// Share of targets in the top 5.
    pub hr_at_5: f64,
    /// Share of targets in the top 10.
    pub hr_at_10: f64,
    /// Mean NDCG@10.
    pub ndcg_at_10: f64,
    /// Targets in the top 5.
    pub hits_at_5: usize,
    /// Targets in the top 10.
    pub hits_at_10: usize,
}

/// The figures for a group of records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScores {
    /// Records evaluated.
    pub evaluated: usize,
    /// Per method, in [`METHODS`] order.
    pub methods: Vec<MethodScores>,
}

impl GroupScores {
    /// The figures of `method`.
    pub fn method(&self, method: &str) -> Option<&MethodScores> {
        self.methods.iter().find(|m| m.method == method)
    }
}

/// How many aggregates were published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Published {
    /// Per-service people counts (popularity).
    pub popularity: usize,
    /// `from → to` people counts.
    pub transitions: usize,
    /// Per-service counts of people who took it again (with the median interval).
    pub repeats: usize,
    /// Per-segment (age band, industry) people counts.
    pub segment_counts: usize,
    /// Co-occurrence people counts (unordered pairs of different services).
    pub item_pairs: usize,
    /// Counts withheld for having fewer than [`MIN_CONTRIBUTORS`] people (all three kinds).
    pub withheld: usize,
}

/// The evaluation's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// Records read.
    pub records: usize,
    /// Of which persons.
    pub persons: usize,
    /// Of which enterprises.
    pub enterprises: usize,
    /// Records evaluated.
    pub evaluated: usize,
    /// Records skipped for having fewer than two cases.
    pub skipped: usize,
    /// Services in the catalogue.
    pub catalogue_items: usize,
    /// The publication threshold.
    pub min_contributors: u32,
    /// How each method orders equal scores.
    pub tie_break: &'static str,
    /// The aggregates published from the training part.
    pub published: Published,
    /// All evaluated records.
    pub all: GroupScores,
    /// Per kind (`person`, `enterprise`).
    pub by_kind: BTreeMap<String, GroupScores>,
    /// Per target: `repeat` (the record had applied for it before) or `first_time`.
    pub by_target: BTreeMap<String, GroupScores>,
    /// For the recommender's hits in the top 5: how many it gave each reason (`life_event`,
    /// `next_step`, `profile`, `interest`, `popular`).
    pub recommender_hit_reasons: BTreeMap<String, usize>,
}

impl EvalReport {
    /// The figures of `method` over all records.
    pub fn method(&self, method: &str) -> Option<&MethodScores> {
        self.all.method(method)
    }

    /// The report as the table `recommend-eval` prints.
    pub fn table(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "records: {} ({} persons, {} enterprises); evaluated: {}; skipped (fewer than two cases): {}\n",
            self.records, self.persons, self.enterprises, self.evaluated, self.skipped
        ));
        out.push_str(&format!(
            "catalogue: {} services; aggregates from the training part, published with >= {} people: {} item counts, {} transitions, {} repeat counts, {} segment counts, {} item pairs ({} withheld)\n",
            self.catalogue_items,
            self.min_contributors,
            self.published.popularity,
            self.published.transitions,
            self.published.repeats,
            self.published.segment_counts,
            self.published.item_pairs,
            self.published.withheld
        ));
        out.push_str(&format!(
            "held out: each record's last case; ranking: the whole catalogue for the record's audience; ties: {}\n",
            self.tie_break
        ));
        let mut groups = vec![("all", &self.all)];
        groups.extend(self.by_kind.iter().map(|(k, g)| (k.as_str(), g)));
        groups.extend(self.by_target.iter().map(|(k, g)| (if k == "repeat" { "repeated targets" } else { "first-time targets" }, g)));
        for (name, group) in groups {
            out.push_str(&format!("\n{name} ({} evaluated)\n", group.evaluated));
            out.push_str(&format!("  {:<12} {:>7} {:>7} {:>8}\n", "method", "HR@5", "HR@10", "NDCG@10"));
            for m in &group.methods {
                out.push_str(&format!("  {:<12} {:>7.4} {:>7.4} {:>8.4}\n", m.method, m.hr_at_5, m.hr_at_10, m.ndcg_at_10));
            }
        }
        let reasons: Vec<String> = self.recommender_hit_reasons.iter().map(|(k, v)| format!("{k} {v}")).collect();
        out.push_str(&format!("\nthe recommender's top-5 hits by their reason: {}\n", reasons.join(", ")));
        out
    }
}

/// A `from → to` pair of catalogue indices and its people count.
type Counted = ((usize, usize), u32);

/// A record prepared for evaluation.
struct Split<'a> {
    record: &'a PopulationRecord,
    /// Events sorted by time.
    events: Vec<&'a Event>,
    /// Position of the held-out case in `events` (None: skipped).
    target: Option<usize>,
    /// Catalogue indices of the training cases, in order.
    training: Vec<usize>,
    /// Their times (Unix seconds), in the same order.
    training_at: Vec<i64>,
}

/// Evaluates `records` against `catalogue` (every service a record names must be in it; read
/// the file with `read_population` and the catalogue's ids to get line-numbered errors first).
pub fn evaluate(records: &[PopulationRecord], catalogue: &CatalogueDocument) -> EvalReport {
    let items: Vec<RankableItem> = catalogue.items.iter().map(RankableItem::from).collect();
    let n = items.len();
    let index: HashMap<&str, usize> = items.iter().enumerate().map(|(i, item)| (item.id.as_str(), i)).collect();

    let splits: Vec<Split<'_>> = records
        .iter()
        .map(|record| {
            let events = record.sorted_events();
            let cases: Vec<usize> = (0..events.len()).filter(|&i| events[i].kind == EventType::Case).collect();
            let target = (cases.len() >= 2).then(|| cases[cases.len() - 1]);
            let (training, training_at) = cases[..cases.len().saturating_sub(1)]
                .iter()
                .filter_map(|&i| events[i].item.as_deref().and_then(|item| index.get(item).copied()).map(|item| (item, events[i].at)))
                .unzip();
            Split { record, events, target, training, training_at }
        })
        .collect();

    // The training part's aggregates, counted in people.
    let mut people = vec![0u32; n];
    let mut transitions: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    let mut pairs: HashMap<(usize, usize), u32> = HashMap::new();
    let mut again = vec![0u32; n];
    let mut gaps: Vec<Vec<i64>> = vec![Vec::new(); n];
    // People per (segment, service): the segment as the record's facts say at its held-out case
    // (or its last event when skipped).
    let mut segment_people: BTreeMap<(String, usize), u32> = BTreeMap::new();
    for split in &splits {
        let mut distinct: Vec<usize> = split.training.clone();
        distinct.sort_unstable();
        distinct.dedup();
        for &i in &distinct {
            people[i] += 1;
        }
        let until = split.target.unwrap_or(split.events.len());
        let at = split.events.get(until).or(split.events.last()).map_or(0, |e| e.at);
        if let Some(segment) = facts_at(split.record, &split.events[..until], at).segment() {
            for &i in &distinct {
                *segment_people.entry((segment.clone(), i)).or_default() += 1;
            }
        }
        for (a, &i) in distinct.iter().enumerate() {
            for &j in &distinct[a + 1..] {
                *pairs.entry((i, j)).or_default() += 1;
            }
        }
        let mut last_at: HashMap<usize, i64> = HashMap::new();
        let mut took_again: HashSet<usize> = HashSet::new();
        for (&i, &at) in split.training.iter().zip(&split.training_at) {
            if let Some(before) = last_at.insert(i, at) {
                took_again.insert(i);
                gaps[i].push(((at - before) / 86_400).max(1));
            }
        }
        for i in took_again {
            again[i] += 1;
        }
        let steps: HashSet<(usize, usize)> = split.training.windows(2).map(|w| (w[0], w[1])).collect();
        for step in steps {
            *transitions.entry(step).or_default() += 1;
        }
    }
    let published = |count: u32| count >= MIN_CONTRIBUTORS;
    let mut report_published = Published::default();
    let popularity: Vec<u32> = people.iter().map(|&c| if published(c) { c } else { 0 }).collect();
    report_published.popularity = popularity.iter().filter(|&&c| c > 0).count();
    report_published.withheld += people.iter().filter(|&&c| c > 0 && !published(c)).count();
    let (transitions, withheld): (Vec<Counted>, Vec<Counted>) = transitions.into_iter().partition(|&(_, c)| published(c));
    report_published.withheld += withheld.len();
    report_published.transitions = transitions.len();
    let mut next: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let mut next_total = vec![0.0f64; n];
    for &((from, to), count) in &transitions {
        next[from].push((to, f64::from(count)));
        next_total[from] += f64::from(count);
    }
    let mut similarity = vec![vec![0.0f64; n]; n];
    for i in 0..n {
        if popularity[i] > 0 {
            similarity[i][i] = 1.0;
        }
    }
    for (&(i, j), &co) in &pairs {
        if !published(co) {
            report_published.withheld += 1;
            continue;
        }
        report_published.item_pairs += 1;
        if popularity[i] > 0 && popularity[j] > 0 {
            let s = f64::from(co) / (f64::from(popularity[i]) * f64::from(popularity[j])).sqrt();
            similarity[i][j] = s;
            similarity[j][i] = s;
        }
    }

    let repeats: Vec<Repeat> = (0..n)
        .filter(|&i| popularity[i] > 0 && published(again[i]))
        .map(|i| {
            gaps[i].sort_unstable();
            let median = gaps[i].get(gaps[i].len() / 2).copied().unwrap_or(1);
            Repeat {
                item: items[i].id.clone(),
                people: popularity[i],
                again: again[i],
                interval_days: u32::try_from(median).unwrap_or(u32::MAX),
            }
        })
        .collect();
    report_published.withheld += (0..n).filter(|&i| again[i] > 0 && !published(again[i])).count();
    report_published.repeats = repeats.len();
    let (segments, withheld_segments): (Vec<_>, Vec<_>) = segment_people.into_iter().partition(|&(_, c)| published(c));
    report_published.withheld += withheld_segments.len();
    report_published.segment_counts = segments.len();
    let segments = segments.into_iter().map(|((segment, i), count)| SegmentCount { segment, item: items[i].id.clone(), count }).collect();
    let stats = NextStepStats {
        repeats,
        segments,
        min_contributors: MIN_CONTRIBUTORS,
        transitions: transitions
            .iter()
            .map(|&((from, to), count)| Transition { from: items[from].id.clone(), to: items[to].id.clone(), count })
            .collect(),
        popularity: (0..n).filter(|&i| popularity[i] > 0).map(|i| ItemCount { item: items[i].id.clone(), count: popularity[i] }).collect(),
    };
    let ranker = Ranker::new(items.clone(), &catalogue.bundles, &stats);

    let mut totals: BTreeMap<&'static str, Totals> = BTreeMap::new();
    let mut by_target: BTreeMap<&'static str, Totals> = BTreeMap::new();
    let mut all = Totals::default();
    let mut hit_reasons: BTreeMap<String, usize> = BTreeMap::new();
    let dismissed = HashMap::new();
    for split in &splits {
        let Some(target_pos) = split.target else { continue };
        let kind = split.record.kind;
        let audience = kind.audience();
        let target = split.events[target_pos];
        let target_index = target.item.as_deref().and_then(|item| index.get(item).copied());
        let history_events = &split.events[..target_pos];
        let now = target.at;
        let allowed = |i: usize| items[i].audience == audience;

        // The recommender.
        let profile = facts_at(split.record, history_events, now);
        let life_events: Vec<LifeEvent> = history_events
            .iter()
            .filter(|e| e.kind == EventType::Licence)
            .filter_map(|e| e.vct.as_deref().and_then(LifeEventKind::of_vct).map(|kind| LifeEvent { kind, at: e.at }))
            .collect();
        let history: Vec<HistoryEvent> = history_events
            .iter()
            .filter_map(|e| {
                let kind = match e.kind {
                    EventType::Case => HistoryKind::Case,
                    EventType::View => HistoryKind::View,
                    EventType::Search => HistoryKind::Search,
                    EventType::Licence => return None,
                };
                Some(HistoryEvent { kind, item_id: e.item.clone()?, at: e.at })
            })
            .collect();
        let input = RankingInput { profile: &profile, life_events: &life_events, history: &history, dismissed: &dismissed, now };
        let listed = ranker.rank(&input, n);
        let recommender_rank = target_index.filter(|&t| allowed(t)).map(|t| {
            let target_id = items[t].id.as_str();
            match listed.iter().position(|r| r.item_id == target_id) {
                Some(p) => {
                    if p < 5 {
                        let reason = serde_json::to_value(listed[p].reason).ok().and_then(|v| v.as_str().map(str::to_owned));
                        *hit_reasons.entry(reason.unwrap_or_default()).or_default() += 1;
                    }
                    p + 1
                }
                None => {
                    let listed_ids: HashSet<&str> = listed.iter().map(|r| r.item_id.as_str()).collect();
                    let before = (0..n)
                        .filter(|&i| allowed(i) && !listed_ids.contains(items[i].id.as_str()) && items[i].id.as_str() < target_id)
                        .count();
                    listed.len() + before + 1
                }
            }
        });

        // The baselines: (score, popularity) per service.
        let pop_score = |i: usize| f64::from(popularity[i]);
        let last = split.training.last().copied();
        let mut transition_score = vec![0.0f64; n];
        if let Some(from) = last {
            for &(to, count) in &next[from] {
                transition_score[to] = count / next_total[from].max(1.0);
            }
        }
        let mut knn_score = vec![0.0f64; n];
        let mut seen: Vec<usize> = split.training.clone();
        seen.sort_unstable();
        seen.dedup();
        for &h in &seen {
            for (j, score) in knn_score.iter_mut().enumerate() {
                *score += similarity[h][j];
            }
        }
        let rank_by = |score: &dyn Fn(usize) -> (f64, f64)| {
            target_index.filter(|&t| allowed(t)).map(|t| {
                let target_score = score(t);
                1 + (0..n)
                    .filter(|&j| j != t && allowed(j))
                    .filter(|&j| {
                        let s = score(j);
                        s.0 > target_score.0
                            || (s.0 == target_score.0 && s.1 > target_score.1)
                            || (s.0 == target_score.0 && s.1 == target_score.1 && items[j].id < items[t].id)
                    })
                    .count()
            })
        };
        let ranks = [
            recommender_rank,
            rank_by(&|i| (pop_score(i), 0.0)),
            rank_by(&|i| (transition_score[i], pop_score(i))),
            rank_by(&|i| (knn_score[i], pop_score(i))),
        ];
        totals.entry(kind.as_str()).or_default().add(&ranks);
        let repeat = target_index.is_some_and(|t| split.training.contains(&t));
        by_target.entry(if repeat { "repeat" } else { "first_time" }).or_default().add(&ranks);
        all.add(&ranks);
    }

    let persons = records.iter().filter(|r| r.kind == RecordKind::Person).count();
    EvalReport {
        records: records.len(),
        persons,
        enterprises: records.len() - persons,
        evaluated: all.evaluated,
        skipped: splits.iter().filter(|s| s.target.is_none()).count(),
        catalogue_items: n,
        min_contributors: MIN_CONTRIBUTORS,
        tie_break: "score descending, then item id ascending (the baselines break equal scores by popularity first)",
        published: report_published,
        all: all.scores(),
        by_kind: totals.into_iter().map(|(k, t)| (k.to_owned(), t.scores())).collect(),
        by_target: by_target.into_iter().map(|(k, t)| (k.to_owned(), t.scores())).collect(),
        recommender_hit_reasons: hit_reasons,
    }
}

#[derive(Default)]
struct Totals {
    evaluated: usize,
    hits_5: [usize; 4],
    hits_10: [usize; 4],
    ndcg: [f64; 4],
}

impl Totals {
    fn add(&mut self, ranks: &[Option<usize>; 4]) {
        self.evaluated += 1;
        for (m, rank) in ranks.iter().enumerate() {
            if let Some(r) = *rank {
                if r <= 5 {
                    self.hits_5[m] += 1;
                }
                if r <= 10 {
                    self.hits_10[m] += 1;
                    self.ndcg[m] += 1.0 / ((r + 1) as f64).log2();
                }
            }
        }
    }

    fn scores(&self) -> GroupScores {
        let share = |x: f64| if self.evaluated == 0 { 0.0 } else { x / self.evaluated as f64 };
        GroupScores {
            evaluated: self.evaluated,
            methods: METHODS
                .iter()
                .enumerate()
                .map(|(m, name)| MethodScores {
                    method: (*name).to_owned(),
                    hr_at_5: share(self.hits_5[m] as f64),
                    hr_at_10: share(self.hits_10[m] as f64),
                    ndcg_at_10: share(self.ndcg[m]),
                    hits_at_5: self.hits_5[m],
                    hits_at_10: self.hits_10[m],
                })
                .collect(),
        }
    }
}
