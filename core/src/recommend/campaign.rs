//! Policy campaigns matched on the device: the platform broadcasts each campaign to everyone with
//! its eligibility as a JsonLogic rule over the profile facts' names; the device evaluates it
//! here (with the `jsonlogic` crate) and says which facts made it eligible. Neither the facts
//! nor the result are sent anywhere.

use std::collections::BTreeSet;

use serde_json::Value;

use super::model::{Campaign, CampaignMatch, FactValue, ProfileFacts};
use super::profile::facts_as_json;
use crate::privacy::Personal;

/// Whether `facts` make `campaign` apply at `now`: the audience matches, it still runs and its
/// rule is truthy (JsonLogic's truthiness). A rule that does not evaluate matches nobody.
pub fn evaluate(campaign: &Campaign, facts: &ProfileFacts, now: i64) -> Option<CampaignMatch> {
    if facts.audience != Some(campaign.audience) || campaign.until < now {
        return None;
    }
    let data = facts_as_json(facts);
    let result = jsonlogic::apply(&campaign.rule, &data).ok()?;
    if !truthy(&result) {
        return None;
    }
    let because = facts_read(&campaign.rule)
        .into_iter()
        .map(|fact| {
            let value = data.pointer(&format!("/{}", fact.replace('.', "/"))).cloned().unwrap_or(Value::Null);
            FactValue { fact, value: Personal::new(value.to_string()) }
        })
        .collect();
    Some(CampaignMatch {
        campaign_id: campaign.id.clone(),
        title_zh: campaign.title_zh.clone(),
        title_en: campaign.title_en.clone(),
        item_id: campaign.item_id.clone(),
        because,
        until: campaign.until,
    })
}

/// The names of the facts a rule reads (`{"var": "age"}`, `{"var": ["age", 0]}`), sorted.
pub fn facts_read(rule: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                for (op, args) in map {
                    if op == "var" {
                        let name = match args {
                            Value::Array(a) => a.first(),
                            other => Some(other),
                        };
                        if let Some(Value::String(s)) = name {
                            if !s.is_empty() {
                                out.insert(s.clone());
                            }
                        }
                    } else {
                        walk(args, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(rule, &mut out);
    out.into_iter().collect()
}

/// A fact's name for people.
pub fn fact_label(fact: &str, language: crate::Language) -> &str {
    let (zh, en) = match fact {
        "age" => ("年龄", "age"),
        "age_band" => ("年龄段", "age group"),
        "has_vehicle" => ("名下机动车", "a vehicle"),
        "owns_property" => ("名下房产", "property"),
        "married" => ("婚姻状况", "marriage"),
        "children" => ("子女", "children"),
        "industry" => ("行业", "industry"),
        "registered_capital_wan" => ("注册资本", "registered capital"),
        "enterprise_age_years" => ("成立年限", "years in business"),
        "district" => ("所在区", "district"),
        other => (other, other),
    };
    match language {
        crate::Language::Zh => zh,
        crate::Language::En => en,
    }
}

/// "You may be eligible (by your age, a vehicle)" in the user's language.
pub fn eligible_because(facts: &[String], language: crate::Language) -> String {
    let labels: Vec<&str> = facts.iter().map(|f| fact_label(f, language)).collect();
    match language {
        crate::Language::Zh => format!("您可能符合申请条件（依据：{}）", labels.join("、")),
        crate::Language::En => format!("You may be eligible (by your {})", labels.join(", ")),
    }
}

/// JsonLogic truthiness: false, null, 0, "" and [] are false.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Audience;
    use serde_json::json;

    fn campaign(audience: Audience, rule: Value) -> Campaign {
        Campaign {
            id: "c1".into(),
            title_zh: "补贴".into(),
            title_en: "A subsidy".into(),
            item_id: None,
            audience,
            rule,
            until: 2_000_000_000,
        }
    }

    #[test]
    fn a_rule_matches_on_the_device_and_names_the_facts_it_read() {
        let senior = ProfileFacts { audience: Some(Audience::Person), age: Some(67), has_vehicle: true, ..Default::default() };
        let young = ProfileFacts { audience: Some(Audience::Person), age: Some(30), ..Default::default() };
        let c = campaign(Audience::Person, json!({"and": [{">=": [{"var": "age"}, 65]}, {"var": "has_vehicle"}]}));
        let matched = evaluate(&c, &senior, 1_800_000_000).expect("eligible");
        let because: Vec<(String, String)> = matched.because.iter().map(|f| (f.fact.clone(), f.value.expose().clone())).collect();
        assert_eq!(because, [("age".to_owned(), "67".to_owned()), ("has_vehicle".to_owned(), "true".to_owned())]);
        assert!(!format!("{matched:?}").contains("67"), "values are personal");
        assert!(evaluate(&c, &young, 1_800_000_000).is_none());
        // Another audience, an ended campaign, a rule that does not evaluate: no match.
        assert!(evaluate(&campaign(Audience::Enterprise, json!(true)), &senior, 1_800_000_000).is_none());
        assert!(evaluate(&c, &senior, 2_000_000_001).is_none());
        assert!(evaluate(&campaign(Audience::Person, json!({"no_such_op": [1]})), &senior, 1_800_000_000).is_none());
    }

    #[test]
    fn facts_are_read_from_nested_rules() {
        let rule = json!({"or": [{"==": [{"var": ["industry", "x"]}, "catering"]}, {"<": [{"var": "enterprise_age_years"}, 2]}]});
        assert_eq!(facts_read(&rule), ["enterprise_age_years", "industry"]);
    }
}
