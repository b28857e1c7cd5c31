//! A small client of the cases API for tests, written from docs/platform-api.md with p256/sha2:
//! DPoP-authorised calls, SD-JWT presentations with key binding, a form filler that reads the
//! catalogue's sources, and co-signing signatures.
#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::expect_used)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use citykit_sim::server::catalogue::{FieldType, ServiceItem, SourceOf};
use citykit_sim::SimHandle;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use crate::common::{b64u, login, now, random_b64u, DpopKey};

/// A signed-in person on their own device (one DPoP key).
pub struct Person {
    pub id: String,
    pub key: DpopKey,
    pub token: String,
    pub http: reqwest::Client,
    pub issuer: String,
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub raw: Vec<u8>,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }
}

pub fn new_key() -> String {
    // 43 characters of base64url: a valid Idempotency-Key.
    random_b64u()
}

impl Person {
    pub async fn login(sim: &SimHandle, id: &str) -> Person {
        let http = crate::common::http(sim);
        let key = DpopKey::new();
        let t = login(sim, &http, &key, id).await;
        Person { id: id.to_owned(), key, token: t.access, http, issuer: sim.issuer() }
    }

    /// A DPoP-authorised request; `path` may carry a query.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        acting_for: Option<&str>,
        idempotency_key: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        self.call_with(method, path, acting_for, idempotency_key, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        acting_for: Option<&str>,
        idempotency_key: Option<&str>,
        body: Option<&Value>,
        extra_headers: &[(&str, &str)],
    ) -> Answer {
        let url = format!("{}{}", self.issuer, path);
        let htu = url.split('?').next().unwrap().to_owned();
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(m, &url)
            .header("Authorization", format!("DPoP {}", self.token))
            .header("DPoP", self.key.proof(method, &htu, Some(&self.token)));
        if let Some(e) = acting_for {
            req = req.header("CityKit-Acting-For", e);
        }
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        for (k, v) in extra_headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(serde_json::to_vec(b).unwrap());
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let raw = res.bytes().await.unwrap().to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Answer { status, body, raw, headers }
    }

    /// The licences of the identity (`GET /api/v1/licences`), parsed.
    pub async fn licences(&self, acting_for: Option<&str>, children: bool) -> Vec<Licence> {
        let path = if children { "/api/v1/licences?include=children" } else { "/api/v1/licences" };
        let a = self.call("GET", path, acting_for, None, None).await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.body["licences"].as_array().unwrap().iter().map(|l| Licence::parse(l.as_str().unwrap())).collect()
    }

    /// A presentation of every claim of `licence` for the cases endpoint, key-bound with this
    /// device's key and `nonce`.
    pub fn present(&self, licence: &Licence, nonce: &str) -> String {
        self.present_to(licence, nonce, &format!("{}/api/v1/cases", self.issuer), now())
    }

    pub fn present_to(&self, licence: &Licence, nonce: &str, aud: &str, iat: i64) -> String {
        let mut sd = licence.jwt.clone();
        sd.push('~');
        for d in &licence.disclosures {
            sd.push_str(&d.encoded);
            sd.push('~');
        }
        let kb = self.key.sign(
            &json!({"typ": "kb+jwt", "alg": "ES256"}),
            &json!({"iat": iat, "aud": aud, "nonce": nonce,
                    "sd_hash": b64u(Sha256::digest(sd.as_bytes()))}),
        );
        format!("{sd}{kb}")
    }

    /// A co-signing signature over the case's current content.
    pub fn cosign(&self, case_id: &str, content_sha256: &str, decision: &str) -> String {
        self.key.sign(
            &json!({"alg": "ES256", "typ": "citykit-cosign+jwt", "jwk": self.key.jwk()}),
            &json!({"case_id": case_id, "content_sha256": content_sha256,
                    "decision": decision, "iat": now()}),
        )
    }

    pub async fn get_case(&self, id: &str, acting_for: Option<&str>) -> Answer {
        self.call("GET", &format!("/api/v1/cases/{id}"), acting_for, None, None).await
    }

    pub async fn sign_case(&self, case: &Value, decision: &str) -> Answer {
        let id = case["id"].as_str().unwrap();
        let sig = self.cosign(id, case["content_sha256"].as_str().unwrap(), decision);
        self.call("POST", &format!("/api/v1/cases/{id}/signatures"), None, Some(&new_key()), Some(&json!({ "signature": sig }))).await
    }

    /// Signs the case's 容缺 pledge as the platform shows it.
    pub async fn sign_pledge(&self, case: &Value) -> Answer {
        let id = case["id"].as_str().unwrap();
        let sha = case["pledge"]["sha256"].as_str().unwrap();
        let sig = self.key.sign(
            &json!({"alg": "ES256", "typ": "citykit-pledge+jwt", "jwk": self.key.jwk()}),
            &json!({"case_id": id, "pledge_sha256": sha, "iat": now()}),
        );
        self.call("POST", &format!("/api/v1/cases/{id}/pledge"), None, Some(&new_key()), Some(&json!({ "signature": sig }))).await
    }

    pub async fn inbox(&self, after: u64, acting_for: Option<&str>) -> Vec<Value> {
        let a = self.call("GET", &format!("/api/v1/inbox?after={after}"), acting_for, None, None).await;
        assert_eq!(a.status, 200);
        a.body["items"].as_array().unwrap().clone()
    }
}

pub struct Disclosure {
    pub encoded: String,
    pub name: String,
    pub value: Value,
}

/// An issued SD-JWT VC.
pub struct Licence {
    pub raw: String,
    pub jwt: String,
    pub payload: Value,
    pub disclosures: Vec<Disclosure>,
}

impl Licence {
    pub fn parse(s: &str) -> Licence {
        let mut parts: Vec<&str> = s.split('~').collect();
        assert_eq!(parts.pop(), Some(""));
        let jwt = parts.remove(0).to_owned();
        let payload = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap();
        let disclosures = parts
            .into_iter()
            .map(|d| {
                let a: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(d).unwrap()).unwrap();
                Disclosure { encoded: d.to_owned(), name: a[1].as_str().unwrap().to_owned(), value: a[2].clone() }
            })
            .collect();
        Licence { raw: s.to_owned(), jwt, payload, disclosures }
    }

    pub fn vct(&self) -> &str {
        self.payload["vct"].as_str().unwrap()
    }

    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.disclosures.iter().find(|d| d.name == name).map(|d| &d.value)
    }

    /// The same licence with one disclosure's value replaced (its digest no longer matches).
    pub fn with_forged(&self, name: &str, value: Value) -> Licence {
        let mut out = Licence::parse(&self.raw);
        for d in &mut out.disclosures {
            if d.name == name {
                let a: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&d.encoded).unwrap()).unwrap();
                d.encoded = b64u(json!([a[0], name, value]).to_string());
                d.value = value.clone();
            }
        }
        out
    }
}

// ----- derivations, written independently of the simulator -----

fn split_address(s: &str) -> Option<[String; 4]> {
    for m in ["北京市", "上海市", "天津市", "重庆市"] {
        if let Some(rest) = s.strip_prefix(m) {
            let i = rest.char_indices().find(|(_, c)| matches!(c, '区' | '县'))?.0;
            let cut = i + '区'.len_utf8();
            return Some([m.into(), m.into(), rest[..cut].into(), rest[cut..].into()]);
        }
    }
    let p = s.find('省').map(|i| i + '省'.len_utf8())?;
    let rest = &s[p..];
    let c = rest.find('市').map(|i| i + '市'.len_utf8())?;
    let rest2 = &rest[c..];
    let d = rest2.char_indices().find(|(_, ch)| matches!(ch, '区' | '县' | '市')).map(|(i, ch)| i + ch.len_utf8())?;
    Some([s[..p].into(), rest[..c].into(), rest2[..d].into(), rest2[d..].into()])
}

pub fn derive(d: Option<&str>, v: &Value) -> Option<String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    Some(match d {
        None => text,
        Some("birth_date_from_id_number") => {
            format!("{}-{}-{}", &text[6..10], &text[10..12], &text[12..14])
        }
        Some("sex_from_id_number") => {
            let n = text.as_bytes()[16] - b'0';
            if n % 2 == 1 { "男" } else { "女" }.to_owned()
        }
        Some("address_province") => split_address(&text)?[0].clone(),
        Some("address_city") => split_address(&text)?[1].clone(),
        Some("address_district") => split_address(&text)?[2].clone(),
        Some("address_detail") => split_address(&text)?[3].clone(),
        Some("date_compact") => text.replace('-', ""),
        Some("date_zh") => {
            let p: Vec<u32> = text.split('-').map(|x| x.parse().unwrap()).collect();
            format!("{}年{}月{}日", p[0], p[1], p[2])
        }
        Some(other) => panic!("unknown derive {other}"),
    })
}

/// What the form filler chose: the licences to present (with whose they are) and the fields.
pub struct Filled<'a> {
    pub materials: Vec<&'a Licence>,
    pub fields: Map<String, Value>,
}

/// Fills `item`'s form from the licences like the 秒报 auto-fill: each field from its first
/// source whose licence is at hand (`own` for `of: applicant`, `agent` for `of: agent`), and
/// presents every licence a material or source needs.
pub fn autofill<'a>(item: &ServiceItem, own: &'a [Licence], agent: &'a [Licence]) -> Filled<'a> {
    let mut materials: Vec<(&'a Licence, SourceOf)> = Vec::new();
    let add = |l: &'a Licence, of: SourceOf, materials: &mut Vec<(&'a Licence, SourceOf)>| {
        if let Some(i) = materials.iter().position(|(m, o)| std::ptr::eq(*m, l) && *o == of) {
            return i;
        }
        materials.push((l, of));
        materials.len() - 1
    };
    for m in &item.materials {
        if let Some(v) = &m.satisfied_by {
            if let Some(l) = own.iter().find(|l| l.vct() == v) {
                add(l, SourceOf::Applicant, &mut materials);
            } else if let Some(l) = agent.iter().find(|l| l.vct() == v) {
                add(l, SourceOf::Agent, &mut materials);
            }
        }
    }
    let mut fields = Map::new();
    for f in &item.form.fields {
        for s in &f.sources {
            let pool = match s.of {
                SourceOf::Applicant => own,
                SourceOf::Agent => agent,
            };
            let Some(l) = pool.iter().find(|l| l.vct() == s.vct) else {
                continue;
            };
            let derive_name = serde_json::to_value(s.derive).unwrap();
            let Some(value) = l.claim(&s.claim).and_then(|v| derive(derive_name.as_str(), v)) else {
                continue;
            };
            let idx = add(l, s.of, &mut materials);
            fields.insert(f.name.clone(), json!({"value": value, "source": {"material": idx, "claim": s.claim, "derive": derive_name}}));
            break;
        }
    }
    Filled { materials: materials.into_iter().map(|(l, _)| l).collect(), fields }
}

/// A plausible valid value for a required field nobody's licence fills.
pub fn typed_value(item: &ServiceItem, name: &str, today: &str) -> Value {
    let f = item.field(name).unwrap();
    let v = match f.field_type {
        FieldType::Text => match (f.rules.format.as_deref(), f.rules.min_length) {
            (Some("postcode"), _) => "518048".to_owned(),
            (Some("mobile"), _) => "13800138000".to_owned(),
            (_, Some(n)) => "1".repeat(n as usize),
            _ => "测试".to_owned(),
        },
        FieldType::Address => "深圳市福田区福中三路1号".to_owned(),
        FieldType::Date => today.to_owned(),
        FieldType::IdNumber => "11010519491231002X".to_owned(),
        FieldType::Uscc => "91350100M000100Y43".to_owned(),
        FieldType::Phone => "13800138000".to_owned(),
        FieldType::Choice => f.options[0].value.clone(),
        FieldType::Attachment => "upload://scan-0001.pdf".to_owned(),
    };
    json!({ "value": v, "source": null })
}

/// The `POST /api/v1/cases` body for a filled form, presenting with `nonce`.
pub fn case_body(person: &Person, item: &ServiceItem, filled: &Filled<'_>, nonce: &str, parties: Value) -> Value {
    json!({
        "item_id": item.id,
        "form_version": item.form.version,
        "fields": filled.fields,
        "materials": filled.materials.iter().map(|l| person.present(l, nonce)).collect::<Vec<_>>(),
        "parties": parties,
    })
}

/// Decodes a case's content and checks its digest.
pub fn content_of(case: &Value) -> Value {
    let bytes = URL_SAFE_NO_PAD.decode(case["content"].as_str().unwrap()).unwrap();
    assert_eq!(b64u(Sha256::digest(&bytes)), case["content_sha256"].as_str().unwrap());
    serde_json::from_slice(&bytes).unwrap()
}
