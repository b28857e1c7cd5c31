//! HTTP glue for the service catalogue, cases, inbox and their `/sim/*` controls.
//!
//! Logging rule as in `routes.rs`: static descriptions only.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::cases::{valid_idempotency_key, Answer, CaseCaller, Write};
use super::routes::{api_error, city_api_auth, no_store, single_header, Caller, S};
use super::state::Shared;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v1/catalogue", get(catalogue))
        .route("/api/v1/cases", get(list_cases).post(create_case))
        .route("/api/v1/cases/{id}", get(get_case).put(amend_case))
        .route("/api/v1/cases/{id}/signatures", post(sign_case))
        .route("/api/v1/cases/{id}/rating", post(rate_case))
        .route("/api/v1/cases/{id}/pledge", post(sign_pledge))
        .route("/api/v1/cases/{id}/envelopes", post(create_envelope))
        .route("/api/v1/envelopes/pickups", post(request_pickup))
        .route("/api/v1/envelopes/{id}", get(get_envelope))
        .route("/.well-known/citykit-envelope-keys", get(envelope_keys))
        .route("/courier/v1/scans", post(courier_scan))
        .route("/window/v1/receipts", post(window_receipt))
        .route("/sim/envelopes/{id}/material", post(sim_material))
        .route("/sim/envelopes/{id}/revoke", post(sim_revoke_envelope))
        .route("/sim/dishonesty-list", get(sim_dishonesty_list))
        .route("/api/v1/push/subscriptions", post(push_subscribe).delete(push_unsubscribe))
        .route("/.well-known/citykit-push-keys", get(push_keys))
        .route("/sim/push/take", post(sim_push_take))
        .route("/api/v1/campaigns", get(campaigns))
        .route("/sim/campaigns", post(sim_publish_campaign))
        .route("/api/v1/recommend/next-steps", get(next_steps))
        .route("/sim/next-steps", post(sim_set_next_steps))
        .route("/api/v1/inbox", get(inbox))
        .route("/api/v1/inbox/{id}", get(inbox_item))
        .route("/sim/cases", get(sim_cases))
        .route("/sim/cases/{id}/decide", post(sim_decide))
        .route("/sim/clock", get(sim_clock_get).post(sim_clock))
        .route("/sim/ratings", get(sim_ratings))
}

fn case_caller(c: Caller) -> CaseCaller {
    CaseCaller {
        identity: c.acting_for.clone().unwrap_or_else(|| c.person.clone()),
        acting_for_enterprise: c.acting_for.is_some(),
        person: c.person,
        jwk: c.proof_jwk,
        jkt: c.proof_jkt,
    }
}

fn json_bytes(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, no_store(), [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

fn answer((status, value): Answer) -> Response {
    json_bytes(status, serde_json::to_vec(&value).unwrap_or_default())
}

fn authorised(s: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<CaseCaller, Box<Response>> {
    city_api_auth(s, method, uri, headers).map(case_caller).map_err(|e| Box::new(api_error(e)))
}

// ----- catalogue -----

/// Whether an `If-None-Match` value matches the tag (weak comparison, RFC 9110 §13.1.2).
fn none_match(header_value: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    header_value.trim() == "*" || header_value.split(',').any(|t| bare(t) == bare(etag))
}

async fn catalogue(State(s): S, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if let Err(r) = authorised(&s, &method, &uri, &headers) {
        return *r;
    }
    let Ok(etag) = HeaderValue::from_str(&s.served.etag) else {
        return answer((500, json!({"error": "server_error"})));
    };
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(Some(inm)) = single_header(&headers, "if-none-match") {
        if none_match(inm, &s.served.etag) {
            return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response();
        }
    }
    (
        StatusCode::OK,
        [(header::ETAG, etag), cache, (header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        s.served.body.clone(),
    )
        .into_response()
}

// ----- writes -----

fn write(s: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8], w: Write<'_>) -> Response {
    let caller = match authorised(s, method, uri, headers) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let key = match single_header(headers, "idempotency-key") {
        Ok(Some(k)) if valid_idempotency_key(k) => k,
        _ => {
            tracing::debug!("write without a valid Idempotency-Key refused");
            return answer((400, json!({"error": "idempotency_key_required"})));
        }
    };
    let (status, bytes) = s.case_write(&caller, key, method.as_str(), uri.path(), body, w);
    json_bytes(status, bytes)
}

async fn create_case(State(s): S, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    write(&s, &method, &uri, &headers, &body, Write::Submit)
}

async fn amend_case(State(s): S, Path(id): Path<String>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    write(&s, &method, &uri, &headers, &body, Write::Amend(&id))
}

async fn sign_case(State(s): S, Path(id): Path<String>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    write(&s, &method, &uri, &headers, &body, Write::Sign(&id))
}

async fn rate_case(State(s): S, Path(id): Path<String>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    write(&s, &method, &uri, &headers, &body, Write::Rate(&id))
}

async fn sign_pledge(State(s): S, Path(id): Path<String>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    write(&s, &method, &uri, &headers, &body, Write::Pledge(&id))
}

async fn create_envelope(State(s): S, Path(id): Path<String>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    write(&s, &method, &uri, &headers, &body, Write::Envelope(&id))
}

async fn request_pickup(State(s): S, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    write(&s, &method, &uri, &headers, &body, Write::Pickup)
}

// ----- envelopes: courier and window -----

async fn envelope_keys(State(s): S) -> Response {
    (no_store(), Json(s.envelope_trust())).into_response()
}

/// The courier's API. A real courier authenticates its couriers; the simulator takes the signed
/// code as enough.
async fn courier_scan(State(s): S, body: Bytes) -> Response {
    answer(s.courier_scan(&body))
}

/// The service window's API. A real one sits behind the office's network and staff login; the
/// simulator takes the signed code as enough.
async fn window_receipt(State(s): S, body: Bytes) -> Response {
    answer(s.window_receipt(&body))
}

// ----- reads -----

async fn get_envelope(State(s): S, Path(id): Path<String>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    match authorised(&s, &method, &uri, &headers) {
        Ok(c) => answer(s.envelope_get(&c.identity, &id)),
        Err(r) => *r,
    }
}

async fn get_case(State(s): S, Path(id): Path<String>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    match authorised(&s, &method, &uri, &headers) {
        Ok(c) => answer(s.case_get(&c.identity, &id)),
        Err(r) => *r,
    }
}

async fn list_cases(State(s): S, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    match authorised(&s, &method, &uri, &headers) {
        Ok(c) => answer(s.case_list(&c.identity)),
        Err(r) => *r,
    }
}

async fn inbox_item(State(s): S, Path(id): Path<String>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    match (authorised(&s, &method, &uri, &headers), id.parse::<u64>()) {
        (Ok(c), Ok(id)) => answer(s.inbox_item(&c.identity, id)),
        (Ok(_), Err(_)) => answer((404, json!({"error": "not_found"}))),
        (Err(r), _) => *r,
    }
}

async fn inbox(State(s): S, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let caller = match authorised(&s, &method, &uri, &headers) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let mut after = 0u64;
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        if k == "after" {
            match v.parse() {
                Ok(n) => after = n,
                Err(_) => return answer((400, json!({"error": "invalid_request"}))),
            }
        }
    }
    answer(s.inbox(&caller.identity, after))
}

// ----- simulator control -----

async fn sim_decide(State(s): S, Path(id): Path<String>, body: Bytes) -> Response {
    answer(s.sim_decide(&id, &body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    advance_days: u32,
}

async fn sim_clock(State(s): S, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<ClockBody>(&body) else {
        return answer((
            400,
            json!({"error": "invalid_request",
            "error_description": "body must be {\"advance_days\": n} with n >= 0"}),
        ));
    };
    s.advance_clock(i64::from(body.advance_days));
    (no_store(), Json(s.clock())).into_response()
}

async fn sim_clock_get(State(s): S) -> Response {
    (no_store(), Json(s.clock())).into_response()
}

async fn sim_cases(State(s): S) -> Response {
    let cases: Vec<Value> = s.sim_cases().into_iter().filter_map(|c| serde_json::to_value(c).ok()).collect();
    (no_store(), Json(json!({ "cases": cases }))).into_response()
}

async fn push_subscribe(State(s): S, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    match authorised(&s, &method, &uri, &headers) {
        Ok(c) => answer(s.push_subscribe(&c, &body)),
        Err(r) => *r,
    }
}

async fn push_unsubscribe(State(s): S, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let caller = match authorised(&s, &method, &uri, &headers) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let endpoint =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).find(|(k, _)| k == "endpoint").map(|(_, v)| v.into_owned());
    match endpoint {
        Some(endpoint) => answer(s.push_unsubscribe(&caller, &endpoint)),
        None => answer((400, json!({"error": "invalid_request"}))),
    }
}

async fn push_keys(State(s): S) -> Response {
    (no_store(), Json(s.push_keys())).into_response()
}

async fn sim_push_take(State(s): S, body: Bytes) -> Response {
    answer(s.sim_push_take(&body))
}

// ----- recommendations: published to everyone, no caller needed -----

async fn campaigns(State(s): S) -> Response {
    answer(s.campaigns())
}

async fn sim_publish_campaign(State(s): S, body: Bytes) -> Response {
    answer(s.sim_publish_campaign(&body))
}

async fn next_steps(State(s): S) -> Response {
    answer(s.next_steps())
}

async fn sim_set_next_steps(State(s): S, body: Bytes) -> Response {
    answer(s.sim_set_next_steps(&body))
}

async fn sim_material(State(s): S, Path(id): Path<String>, body: Bytes) -> Response {
    answer(s.sim_material(&id, &body))
}

async fn sim_revoke_envelope(State(s): S, Path(id): Path<String>) -> Response {
    answer(s.sim_revoke_envelope(&id))
}

async fn sim_dishonesty_list(State(s): S) -> Response {
    (no_store(), Json(s.sim_dishonesty_list())).into_response()
}

async fn sim_ratings(State(s): S) -> Response {
    (no_store(), Json(s.sim_ratings())).into_response()
}
