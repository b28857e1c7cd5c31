//! HTTP glue: the axum router, request parsing and response shapes.
//!
//! Logging rule: method and path at debug, and static error descriptions. Never names, ID
//! numbers, phone numbers, fixture ids, tokens, codes, keys or proofs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::jose;
use super::licences;
use super::state::{
    is_valid_s256_challenge, ApiError, AuthorizeOutcome, Authorized, CodeGrant, Issued, OAuthError, ParEntry, Shared, PAR_TTL_SECS,
    USE_DPOP_NONCE,
};
use super::{Fault, IdTokenFault};

pub(super) type S = State<Arc<Shared>>;

/// Optional authorization parameters the provider keeps from a pushed request.
const OTHER_AUTHORIZATION_PARAMS: &[&str] = &["prompt", "ui_locales", "acr_values", "max_age", "login_hint"];

/// The header naming the enterprise a call is made for.
pub const ACTING_FOR_HEADER: &str = "citykit-acting-for";

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/par", post(par))
        .route("/authorize", get(authorize_get).post(authorize_post))
        .route("/token", post(token))
        .route("/userinfo", get(userinfo).post(userinfo))
        .route("/revoke", post(revoke))
        .route("/api/v1/identities", get(identities))
        .route("/api/v1/me", get(me))
        .route("/api/v1/licences", get(licences_list))
        .route("/api/v1/licences/nonce", post(licences_nonce))
        .route("/api/v1/licences/batch", post(licences_batch))
        .route("/.well-known/jwt-vc-issuer/issuers/{office}", get(issuer_metadata))
        .route("/status/{office}", get(status_list))
        .route("/sim/faults", post(sim_set_faults).delete(sim_clear_faults))
        .route("/sim/revoke", post(sim_revoke))
        .route("/sim/expire-access-tokens", post(sim_expire))
        .route("/sim/stats", get(sim_stats))
        .route("/sim/dpop-nonce", post(sim_dpop_nonce))
        .merge(super::case_routes::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), count_and_faults))
        .layer(middleware::from_fn(public_reads))
        .layer(middleware::from_fn_with_state(shared.clone(), super::web::cors))
        .with_state(shared)
}

/// Counts every request and applies `Delay` / `FailNext` before the handler runs, and
/// `LoseResponse` after it.
/// Keeps a copy of the request (its body read and put back).
async fn record(shared: &Shared, req: Request) -> Request {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 4 * 1024 * 1024).await.unwrap_or_default();
    shared.record(super::RecordedRequest {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: parts.headers.iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect(),
        body: bytes.to_vec(),
    });
    Request::from_parts(parts, axum::body::Body::from(bytes))
}

async fn count_and_faults(State(shared): S, req: Request, next: Next) -> Response {
    let req = if shared.recording() { record(&shared, req).await } else { req };
    let path = req.uri().path().to_owned();
    tracing::debug!(method = %req.method(), path = %path, "request");
    let faults = shared.on_request(&path);
    if let Some(ms) = faults.delay {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if faults.lose {
        let handled = next.run(req).await;
        tracing::debug!(
            path = %path,
            status = handled.status().as_u16(),
            "answer lost by fault"
        );
        drop(handled);
        return (StatusCode::BAD_GATEWAY, no_store(), Json(json!({"error": "bad_gateway", "error_description": "simulated lost answer"})))
            .into_response();
    }
    if let Some(answer) = faults.answer {
        let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_REQUEST);
        tracing::debug!(path = %path, status = status.as_u16(), "injected answer");
        let mut response =
            (status, no_store(), Json(json!({"error": answer.error, "error_description": "simulated answer"}))).into_response();
        if let Some(value) = answer.retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    if let Some(status) = faults.fail {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        tracing::debug!(path = %path, status = status.as_u16(), "injected failure");
        return (status, no_store(), Json(json!({"error": "server_error", "error_description": "simulated failure"}))).into_response();
    }
    let mut response = next.run(req).await;
    // RFC 9449 §8.2: a server may hand out a fresh nonce with any answer.
    if let Some(nonce) = shared.dpop_nonce() {
        if let Ok(value) = HeaderValue::from_str(&nonce) {
            response.headers_mut().insert("dpop-nonce", value);
        }
    }
    response
}

/// Public documents (issuer metadata and keys, status lists, the catalogue) may be read from
/// any web page, as a city platform serves them to web views: simple cross-origin `GET`s
/// without credentials (CORS, no preflight). Nothing else is opened to other origins.
async fn public_reads(req: Request, next: Next) -> Response {
    let public = req.method() == axum::http::Method::GET
        && !req.headers().contains_key(header::AUTHORIZATION)
        && ["/.well-known/", "/status/"].iter().any(|p| req.uri().path().starts_with(p));
    let mut response = next.run(req).await;
    if public {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    response
}

pub(super) async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"error": "not_found"}))).into_response()
}

pub(super) fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store")), (header::PRAGMA, HeaderValue::from_static("no-cache"))]
}

/// The token endpoint's or PAR's answer to a refused proof: `use_dpop_nonce` when only the
/// nonce was missing or stale (RFC 9449 §8), `invalid_dpop_proof` otherwise.
fn proof_error(description: &'static str) -> OAuthError {
    if description == USE_DPOP_NONCE {
        OAuthError::new(400, "use_dpop_nonce", "the proof must carry the nonce in DPoP-Nonce")
    } else {
        OAuthError::new(400, "invalid_dpop_proof", description)
    }
}

fn oauth_error(e: &OAuthError) -> Response {
    tracing::debug!(error = e.error, description = e.description, "request refused");
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, no_store(), Json(json!({"error": e.error, "error_description": e.description}))).into_response()
}

pub(super) fn bad_request(description: &'static str) -> Response {
    oauth_error(&OAuthError::new(400, "invalid_request", description))
}

/// Parses an `application/x-www-form-urlencoded` body or query; a repeated parameter is an error.
fn parse_form(bytes: &[u8]) -> Result<HashMap<String, String>, &'static str> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(bytes) {
        if map.insert(k.into_owned(), v.into_owned()).is_some() {
            return Err("a parameter is repeated");
        }
    }
    Ok(map)
}

pub(super) fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ()> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(v), None) => v.to_str().map(Some).map_err(|_| ()),
        _ => Err(()),
    }
}

// ----- discovery -----

async fn discovery(State(s): S) -> Response {
    let i = &s.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "userinfo_endpoint": format!("{i}/userinfo"),
        "jwks_uri": format!("{i}/jwks"),
        "pushed_authorization_request_endpoint": format!("{i}/par"),
        "revocation_endpoint": format!("{i}/revoke"),
        "require_pushed_authorization_requests": true,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile", "offline_access"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name"],
        "code_challenge_methods_supported": ["S256"],
        "dpop_signing_alg_values_supported": ["ES256"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "authorization_response_iss_parameter_supported": true,
        "citykit_api_base": format!("{i}/api/v1"),
    }))
    .into_response()
}

async fn jwks(State(s): S) -> Response {
    Json(json!({"keys": [s.signer.public_jwk()]})).into_response()
}

// ----- PAR -----

async fn par(State(s): S, headers: HeaderMap, body: Bytes) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(d) => return bad_request(d),
    };
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(client_id) = get("client_id").filter(|c| s.client_known(c)) else {
        return oauth_error(&OAuthError::new(401, "invalid_client", "unknown client"));
    };
    if form.contains_key("request_uri") || form.contains_key("request") {
        return bad_request("request objects are not supported at PAR");
    }
    if get("response_type") != Some("code") {
        return oauth_error(&OAuthError::new(400, "unsupported_response_type", "response_type must be code"));
    }
    let Some(redirect_uri) = get("redirect_uri").filter(|r| s.redirect_registered(client_id, r)) else {
        return bad_request("redirect_uri is not registered for this client");
    };
    if get("code_challenge_method") != Some("S256") {
        return bad_request("PKCE with code_challenge_method=S256 is required");
    }
    let Some(code_challenge) = get("code_challenge").filter(|c| is_valid_s256_challenge(c)) else {
        return bad_request("code_challenge is missing or malformed");
    };
    let Some(scope) = get("scope") else {
        return bad_request("scope is required");
    };
    if !scope.split(' ').any(|v| v == "openid") {
        return oauth_error(&OAuthError::new(400, "invalid_scope", "scope must include openid"));
    }
    let mut dpop_jkt = get("dpop_jkt").map(str::to_owned);
    if let Some(jkt) = &dpop_jkt {
        if jkt.len() != 43 || jose::b64u_decode(jkt).is_none() {
            return bad_request("dpop_jkt is malformed");
        }
    }
    // RFC 9449 §10.1: a DPoP proof at PAR binds the code like dpop_jkt does.
    match single_header(&headers, "dpop") {
        Ok(None) => {}
        Ok(Some(proof)) => match s.check_proof(proof, "POST", "/par", None) {
            Ok(v) => {
                if dpop_jkt.as_ref().is_some_and(|j| *j != v.jkt) {
                    return oauth_error(&OAuthError::new(400, "invalid_dpop_proof", "dpop_jkt does not match the proof key"));
                }
                dpop_jkt = Some(v.jkt);
            }
            Err(d) => return oauth_error(&proof_error(d)),
        },
        Err(()) => return oauth_error(&OAuthError::new(400, "invalid_dpop_proof", "one DPoP header expected")),
    }
    let entry = ParEntry {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scope: scope.to_owned(),
        state: get("state").map(str::to_owned),
        nonce: get("nonce").map(str::to_owned),
        code_challenge: code_challenge.to_owned(),
        dpop_jkt,
        other: form.iter().filter(|(k, _)| OTHER_AUTHORIZATION_PARAMS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect(),
        expires_at: std::time::Instant::now() + Duration::from_secs(PAR_TTL_SECS),
    };
    let request_uri = s.push_authorization(entry);
    (StatusCode::CREATED, no_store(), Json(json!({"request_uri": request_uri, "expires_in": PAR_TTL_SECS}))).into_response()
}

// ----- authorize -----

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn html_error(description: &'static str) -> Response {
    tracing::debug!(description, "authorization refused");
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>invalid_request</title>\
         <h1>invalid_request</h1><p>{}</p></html>",
        html_escape(description)
    );
    (StatusCode::BAD_REQUEST, no_store(), axum::response::Html(body)).into_response()
}

fn sign_in_page(s: &Shared, client_id: &str, request_uri: &str) -> Response {
    let mut items = String::new();
    for c in s.fixtures.citizens() {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("client_id", client_id).append_pair("request_uri", request_uri).append_pair("test_user", &c.id);
        let link = if s.config.test_mode {
            format!("<a href=\"/authorize?{}\">{}</a>", html_escape(&q.finish()), html_escape(&c.name))
        } else {
            format!(
                "<form method=\"post\" action=\"/authorize\">\
                 <input type=\"hidden\" name=\"client_id\" value=\"{}\">\
                 <input type=\"hidden\" name=\"request_uri\" value=\"{}\">\
                 <input type=\"hidden\" name=\"user\" value=\"{}\">\
                 <button type=\"submit\">{}</button></form>",
                html_escape(client_id),
                html_escape(request_uri),
                html_escape(&c.id),
                html_escape(&c.name)
            )
        };
        items.push_str(&format!("<li id=\"{}\">{link}</li>\n", html_escape(&c.id)));
    }
    let body = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>统一身份认证 · CityKit 模拟平台</title></head>\
         <body><h1>统一身份认证</h1><p>CityKit simulator: choose who signs in.</p>\n<ul>\n{items}</ul></body></html>\n"
    );
    (StatusCode::OK, no_store(), axum::response::Html(body)).into_response()
}

fn finish_authorization(s: &Shared, client_id: &str, request_uri: &str, user: &str) -> Response {
    if s.fixtures.citizen(user).is_none() {
        return html_error("unknown user");
    }
    let outcome = match s.authorize(client_id, request_uri, user) {
        Ok(o) => o,
        Err(d) => return html_error(d),
    };
    let (redirect_uri, params) = match outcome {
        AuthorizeOutcome::Code { redirect_uri, code, state } => {
            let mut p = vec![("code", code)];
            p.extend(state.map(|st| ("state", st)));
            (redirect_uri, p)
        }
        AuthorizeOutcome::Denied { redirect_uri, state } => {
            tracing::debug!("authorization denied by fault");
            let mut p = vec![("error", "access_denied".to_owned())];
            p.extend(state.map(|st| ("state", st)));
            (redirect_uri, p)
        }
    };
    let Ok(mut url) = url::Url::parse(&redirect_uri) else {
        return html_error("registered redirect_uri does not parse");
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in &params {
            q.append_pair(k, v);
        }
        q.append_pair("iss", &s.issuer);
    }
    let Ok(location) = HeaderValue::from_str(url.as_str()) else {
        return html_error("redirect is not a valid header");
    };
    let [cc, pragma] = no_store();
    (StatusCode::FOUND, [(header::LOCATION, location), cc, pragma]).into_response()
}

async fn authorize_get(State(s): S, uri: Uri) -> Response {
    let q = match parse_form(uri.query().unwrap_or("").as_bytes()) {
        Ok(q) => q,
        Err(d) => return html_error(d),
    };
    let (Some(client_id), Some(request_uri)) = (q.get("client_id"), q.get("request_uri")) else {
        return html_error("client_id and request_uri are required (use PAR)");
    };
    if let Err(d) = s.peek_par(client_id, request_uri) {
        return html_error(d);
    }
    match q.get("test_user") {
        None => sign_in_page(&s, client_id, request_uri),
        Some(_) if !s.config.test_mode => html_error("test mode is off"),
        Some(user) => finish_authorization(&s, client_id, request_uri, user),
    }
}

async fn authorize_post(State(s): S, body: Bytes) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(d) => return html_error(d),
    };
    let (Some(client_id), Some(request_uri), Some(user)) = (form.get("client_id"), form.get("request_uri"), form.get("user")) else {
        return html_error("client_id, request_uri and user are required");
    };
    finish_authorization(&s, client_id, request_uri, user)
}

// ----- token -----

async fn token(State(s): S, headers: HeaderMap, body: Bytes) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(d) => return bad_request(d),
    };
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(client_id) = get("client_id").filter(|c| s.client_known(c)) else {
        return oauth_error(&OAuthError::new(401, "invalid_client", "unknown client"));
    };
    let grant_type = get("grant_type");
    if grant_type == Some("refresh_token") {
        s.count_refresh_grant();
    }
    let proof = match single_header(&headers, "dpop") {
        Ok(Some(p)) => p,
        Ok(None) => return oauth_error(&OAuthError::new(400, "invalid_dpop_proof", "DPoP proof missing")),
        Err(()) => return oauth_error(&OAuthError::new(400, "invalid_dpop_proof", "one DPoP header expected")),
    };
    let verified = match s.check_proof(proof, "POST", "/token", None) {
        Ok(v) => v,
        Err(d) => return oauth_error(&proof_error(d)),
    };
    let result = match grant_type {
        Some("authorization_code") => {
            let (Some(code), Some(redirect_uri)) = (get("code"), get("redirect_uri")) else {
                return bad_request("code and redirect_uri are required");
            };
            let grant = CodeGrant { client_id, code, redirect_uri, code_verifier: get("code_verifier").unwrap_or("") };
            s.code_grant(&grant, &verified)
        }
        Some("refresh_token") => {
            let Some(refresh_token) = get("refresh_token") else {
                return bad_request("refresh_token is required");
            };
            s.refresh_grant(client_id, refresh_token, &verified)
        }
        Some(_) => return oauth_error(&OAuthError::new(400, "unsupported_grant_type", "unsupported grant_type")),
        None => return bad_request("grant_type is required"),
    };
    match result {
        Ok(issued) => token_response(&s, issued),
        Err(e) => oauth_error(&e),
    }
}

fn id_token(s: &Shared, mut claims: Value, faults: &std::collections::BTreeSet<IdTokenFault>) -> String {
    for f in faults {
        match f {
            IdTokenFault::WrongAudience => claims["aud"] = json!("someone-else"),
            IdTokenFault::WrongIssuer => claims["iss"] = json!("https://evil.invalid"),
            IdTokenFault::WrongNonce => claims["nonce"] = json!(jose::random_token()),
            IdTokenFault::Expired => {
                let now = super::state::unix_now();
                claims["iat"] = json!(now - 3600 - 600);
                claims["exp"] = json!(now - 3600);
                claims["auth_time"] = json!(now - 3600 - 600);
            }
            IdTokenFault::TamperSignature => {}
        }
    }
    if claims.get("nonce").is_some_and(Value::is_null) {
        if let Some(map) = claims.as_object_mut() {
            map.remove("nonce");
        }
    }
    let jwt = s.signer.sign_jwt(&claims);
    if faults.contains(&IdTokenFault::TamperSignature) {
        jose::tamper_signature(&jwt)
    } else {
        jwt
    }
}

fn token_response(s: &Shared, issued: Issued) -> Response {
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "DPoP",
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "scope": issued.scope,
    });
    if let Some(claims) = issued.id_token_claims {
        body["id_token"] = json!(id_token(s, claims, &issued.id_token_faults));
    }
    (StatusCode::OK, no_store(), Json(body)).into_response()
}

// ----- revoke -----

async fn revoke(State(s): S, body: Bytes) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(d) => return bad_request(d),
    };
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(client_id) = get("client_id").filter(|c| s.client_known(c)) else {
        return oauth_error(&OAuthError::new(401, "invalid_client", "unknown client"));
    };
    let Some(token) = get("token") else {
        return bad_request("token is required");
    };
    s.revoke(client_id, token);
    (StatusCode::OK, no_store()).into_response()
}

// ----- resources -----

pub(super) fn api_error(e: ApiError) -> Response {
    let (status, code, description) = match e {
        ApiError::InvalidToken(d) => (StatusCode::UNAUTHORIZED, "invalid_token", d),
        ApiError::InvalidProof(d) => (StatusCode::UNAUTHORIZED, "invalid_dpop_proof", d),
        ApiError::UseDpopNonce => (StatusCode::UNAUTHORIZED, "use_dpop_nonce", "the proof must carry the nonce in DPoP-Nonce"),
        ApiError::NotAnAgent => (StatusCode::FORBIDDEN, "not_an_agent", "the person may not act for that enterprise"),
    };
    tracing::debug!(error = code, description, "resource request refused");
    let body = Json(json!({"error": code, "error_description": description}));
    if status == StatusCode::UNAUTHORIZED {
        let challenge = format!("DPoP error=\"{code}\", error_description=\"{description}\", algs=\"ES256\"");
        let value = HeaderValue::from_str(&challenge).unwrap_or_else(|_| HeaderValue::from_static("DPoP algs=\"ES256\""));
        (status, [(header::WWW_AUTHENTICATE, value)], body).into_response()
    } else {
        (status, body).into_response()
    }
}

/// Authorises a resource request; returns the person's citizen id and the proof's key.
fn resource_auth(s: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<Authorized, ApiError> {
    let token = match single_header(headers, "authorization") {
        Ok(Some(v)) => match v.split_once(' ') {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("dpop") && !t.trim().is_empty() => Some(t.trim()),
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("bearer") => {
                return Err(ApiError::InvalidToken("DPoP-bound token presented as a bearer token"))
            }
            _ => return Err(ApiError::InvalidToken("authorization scheme must be DPoP")),
        },
        Ok(None) => None,
        Err(()) => return Err(ApiError::InvalidToken("one Authorization header expected")),
    };
    let proof = single_header(headers, "dpop").map_err(|()| ApiError::InvalidProof("one DPoP header expected"))?;
    s.authorize_resource(token, proof, method.as_str(), uri.path())
}

async fn userinfo(State(s): S, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let sub = match resource_auth(&s, &method, &uri, &headers) {
        Ok(a) => a.sub,
        Err(e) => return api_error(e),
    };
    let name = s.fixtures.citizen(&sub).map(|c| c.name.clone()).unwrap_or_default();
    let sub = if s.wrong_userinfo_subject() { "someone-else".to_owned() } else { sub };
    (StatusCode::OK, no_store(), Json(json!({"sub": sub, "name": name}))).into_response()
}

/// Who a city-API call is made as: the person, or the enterprise named by `CityKit-Acting-For`.
pub(super) struct Caller {
    pub(super) person: String,
    pub(super) acting_for: Option<String>,
    /// The public JWK of the request's DPoP proof.
    pub(super) proof_jwk: Value,
    /// Its RFC 7638 thumbprint.
    pub(super) proof_jkt: String,
}

pub(super) fn city_api_auth(s: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let Authorized { sub: person, proof_jwk, proof_jkt } = resource_auth(s, method, uri, headers)?;
    let acting_for = match single_header(headers, ACTING_FOR_HEADER) {
        Ok(None) => None,
        Ok(Some(ent)) => {
            let ent = ent.trim();
            if s.fixtures.role_of(&person, ent).is_none() {
                return Err(ApiError::NotAnAgent);
            }
            Some(ent.to_owned())
        }
        Err(()) => return Err(ApiError::NotAnAgent),
    };
    Ok(Caller { person, acting_for, proof_jwk, proof_jkt })
}

async fn identities(State(s): S, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let caller = match city_api_auth(&s, &method, &uri, &headers) {
        Ok(c) => c,
        Err(e) => return api_error(e),
    };
    let name = s.fixtures.citizen(&caller.person).map(|c| c.name.clone()).unwrap_or_default();
    let mut list = vec![json!({"id": caller.person, "kind": "person", "name": name})];
    for (e, role) in s.fixtures.enterprises_for(&caller.person) {
        list.push(json!({
            "id": e.id,
            "kind": "enterprise",
            "name": e.name,
            "role": role.as_str(),
            "uscc": e.uscc,
        }));
    }
    (StatusCode::OK, no_store(), Json(json!({"identities": list}))).into_response()
}

async fn me(State(s): S, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let caller = match city_api_auth(&s, &method, &uri, &headers) {
        Ok(c) => c,
        Err(e) => return api_error(e),
    };
    let name = s.fixtures.citizen(&caller.person).map(|c| c.name.clone()).unwrap_or_default();
    let person = json!({"id": caller.person, "name": name});
    let acting_as = match caller.acting_for.as_deref().and_then(|id| s.fixtures.enterprise(id)) {
        Some(e) => json!({"id": e.id, "kind": "enterprise", "name": e.name}),
        None => json!({"id": caller.person, "kind": "person", "name": name}),
    };
    (StatusCode::OK, no_store(), Json(json!({"acting_as": acting_as, "person": person}))).into_response()
}

// ----- licences -----

/// `GET /api/v1/licences`: the licences of the identity the call is made as, bound to the key
/// of the request's DPoP proof. With `?include=children` a person also gets the birth medical
/// certificates of their minor children (parents keep them).
async fn licences_list(State(s): S, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let caller = match city_api_auth(&s, &method, &uri, &headers) {
        Ok(c) => c,
        Err(e) => return api_error(e),
    };
    let query = match parse_form(uri.query().unwrap_or("").as_bytes()) {
        Ok(q) => q,
        Err(d) => return bad_request(d),
    };
    let children = match query.get("include").map(String::as_str) {
        None => false,
        Some("children") => true,
        Some(_) => return bad_request("include must be children"),
    };
    let holder = caller.acting_for.as_deref().unwrap_or(&caller.person);
    let mut list = s.issue_all(holder, &caller.proof_jwk);
    if children && caller.acting_for.is_none() {
        list.extend(s.issue_children(&caller.person, &caller.proof_jwk));
    }
    tracing::debug!(count = list.len(), "licences issued");
    (StatusCode::OK, no_store(), Json(json!({"licences": list}))).into_response()
}

/// `POST /api/v1/licences/nonce`: a single-use nonce (`c_nonce`, OpenID4VCI) for the caller's
/// next batch request.
async fn licences_nonce(State(s): S, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let caller = match city_api_auth(&s, &method, &uri, &headers) {
        Ok(c) => c,
        Err(e) => return api_error(e),
    };
    let (nonce, ttl) = s.issue_copy_nonce(&caller.person);
    (StatusCode::OK, no_store(), Json(json!({"c_nonce": nonce, "c_nonce_expires_in": ttl}))).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    #[serde(default)]
    vct: Option<String>,
    proofs: Vec<String>,
}

/// `POST /api/v1/licences/batch {"vct"?, "proofs": [...]}`: copies of the caller's licences,
/// one per key proof, each bound to that proof's key (batch issuance, so that no two
/// presentations need share a signature, key, salt or digest).
async fn licences_batch(State(s): S, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let caller = match city_api_auth(&s, &method, &uri, &headers) {
        Ok(c) => c,
        Err(e) => return api_error(e),
    };
    let Ok(body) = serde_json::from_slice::<BatchBody>(&body) else {
        return bad_request("body must be {\"vct\"?: ..., \"proofs\": [...]}");
    };
    let holder = caller.acting_for.as_deref().unwrap_or(&caller.person);
    match s.issue_copies(&caller.person, holder, body.vct.as_deref(), &body.proofs) {
        Ok(list) => {
            let licences: Vec<Value> = list.into_iter().map(|(vct, copies)| json!({"vct": vct, "copies": copies})).collect();
            tracing::debug!(licences = licences.len(), copies = body.proofs.len(), "licence copies issued");
            (StatusCode::OK, no_store(), Json(json!({"licences": licences}))).into_response()
        }
        Err(e) => {
            let (status, error, description) = e.parts();
            tracing::debug!(error, description, "batch issuance refused");
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            (status, no_store(), Json(json!({"error": error, "error_description": description}))).into_response()
        }
    }
}

/// `GET /.well-known/jwt-vc-issuer/issuers/{office}`: SD-JWT VC issuer metadata.
async fn issuer_metadata(State(s): S, Path(office): Path<String>) -> Response {
    let Some(i) = licences::office_index(&office) else {
        return not_found().await;
    };
    match (s.office_issuer(i), s.office_jwks(i)) {
        (Some(issuer), Some(jwks)) => Json(json!({"issuer": issuer, "jwks": jwks})).into_response(),
        _ => not_found().await,
    }
}

/// `GET /status/{office}`: the office's Token Status List JWT.
async fn status_list(State(s): S, Path(office): Path<String>) -> Response {
    let Some(i) = licences::office_index(&office) else {
        return not_found().await;
    };
    match s.status_list(i) {
        Some(Ok(jwt)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("application/statuslist+jwt")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            jwt,
        )
            .into_response(),
        Some(Err(_)) => {
            tracing::error!("status list compression failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": "server_error"}))).into_response()
        }
        None => not_found().await,
    }
}

// ----- simulator control -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultBody {
    fail_next: Option<FailNextBody>,
    delay: Option<DelayBody>,
    lose_response: Option<LoseBody>,
    answer: Option<AnswerBody>,
    id_token: Option<IdTokenFault>,
    deny_authorization: Option<bool>,
    wrong_userinfo_subject: Option<bool>,
}

#[derive(Deserialize)]
struct FailNextBody {
    path: String,
    status: u16,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize)]
struct AnswerBody {
    path: String,
    status: u16,
    error: String,
    #[serde(default)]
    retry_after: Option<String>,
    #[serde(default = "one")]
    count: u32,
}

#[derive(Deserialize)]
struct LoseBody {
    path: String,
    #[serde(default = "one")]
    count: u32,
}

#[derive(Deserialize)]
struct DelayBody {
    path: String,
    millis: u64,
}

async fn sim_set_faults(State(s): S, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<FaultBody>(&body) else {
        return bad_request("body must be a fault object as in docs/platform-api.md");
    };
    let mut faults = Vec::new();
    if let Some(f) = body.fail_next {
        if !f.path.starts_with('/') || StatusCode::from_u16(f.status).is_err() {
            return bad_request("fail_next needs a path starting with / and an HTTP status");
        }
        faults.push(Fault::FailNext { path: f.path, status: f.status, count: f.count });
    }
    if let Some(d) = body.delay {
        if !d.path.starts_with('/') {
            return bad_request("delay needs a path starting with /");
        }
        faults.push(Fault::Delay { path: d.path, millis: d.millis });
    }
    if let Some(l) = body.lose_response {
        if !l.path.starts_with('/') {
            return bad_request("lose_response needs a path starting with /");
        }
        faults.push(Fault::LoseResponse { path: l.path, count: l.count });
    }
    if let Some(a) = body.answer {
        if !a.path.starts_with('/') || StatusCode::from_u16(a.status).is_err() {
            return bad_request("answer needs a path starting with / and an HTTP status");
        }
        faults.push(Fault::Answer { path: a.path, status: a.status, error: a.error, retry_after: a.retry_after, count: a.count });
    }
    if let Some(f) = body.id_token {
        faults.push(Fault::IdToken(f));
    }
    if body.deny_authorization == Some(true) {
        faults.push(Fault::DenyAuthorization);
    }
    if body.wrong_userinfo_subject == Some(true) {
        faults.push(Fault::WrongUserinfoSubject);
    }
    if faults.is_empty() {
        return bad_request("no fault given");
    }
    for f in faults {
        s.set_fault(f);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn sim_clear_faults(State(s): S) -> Response {
    s.clear_faults();
    StatusCode::NO_CONTENT.into_response()
}

async fn sim_expire(State(s): S) -> Response {
    s.expire_access_tokens();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    holder: String,
    vct: String,
}

async fn sim_revoke(State(s): S, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<RevokeBody>(&body) else {
        return bad_request("body must be {\"holder\": ..., \"vct\": ...}");
    };
    if s.revoke_licence(&body.holder, &body.vct) {
        tracing::debug!("licence revoked");
        StatusCode::NO_CONTENT.into_response()
    } else {
        tracing::debug!("revocation of an unknown licence refused");
        (StatusCode::NOT_FOUND, Json(json!({"error": "not_found", "error_description": "no such licence"}))).into_response()
    }
}

async fn sim_stats(State(s): S) -> Response {
    (no_store(), Json(s.stats())).into_response()
}

/// `POST /sim/dpop-nonce {"mode": "off"|"required"|"reject_all", "rotate": true}`: whether
/// proofs must carry the server's DPoP nonce, and a new nonce on demand.
async fn sim_dpop_nonce(State(s): S, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        mode: Option<super::DpopNonceMode>,
        #[serde(default)]
        rotate: bool,
    }
    let Ok(body) = serde_json::from_slice::<Body>(&body) else {
        return bad_request("expected {\"mode\": \"off|required|reject_all\", \"rotate\": bool}");
    };
    if let Some(mode) = body.mode {
        s.set_dpop_nonce_mode(mode);
    }
    if body.rotate {
        s.rotate_dpop_nonce();
    }
    (StatusCode::NO_CONTENT, no_store()).into_response()
}
