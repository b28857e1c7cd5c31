//! The web page's origin: a second HTTPS listener (same test CA, another port, so another
//! origin) that serves a directory of static files — an enterprise mini-program page and the
//! CityKit web package — and `citykit-config.json`, the provider the page logs in with
//! (`{issuer, client_id: "citykit-web", redirect_uri: "<web origin>/"}`). The platform answers
//! CORS for that origin (and for `SimConfig::web_origins`): see [`cors`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

use super::state::Shared;

/// The client id the web page logs in with.
pub const WEB_CLIENT_ID: &str = "citykit-web";

#[derive(Clone)]
struct WebRoot {
    dir: Arc<PathBuf>,
    config_json: Arc<String>,
}

/// The web origin's router: `GET /citykit-config.json`, then the files under `dir` (`/` is
/// `index.html`). Only plain paths are served: letters, digits, `.`, `_`, `-` and `/`, no `.`
/// or `..` segment (an encoded one has a `%` and is not plain either); anything else is 404.
pub(crate) fn router(dir: PathBuf, issuer: &str, web_origin: &str) -> Router {
    let config_json = serde_json::json!({
        "issuer": issuer,
        "client_id": WEB_CLIENT_ID,
        "redirect_uri": format!("{web_origin}/"),
    })
    .to_string();
    Router::new().fallback(serve_file).with_state(WebRoot { dir: Arc::new(dir), config_json: Arc::new(config_json) })
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css; charset=utf-8",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file a request path names under the root, if it is a plain path.
fn file_for(root: &Path, request_path: &str) -> Option<PathBuf> {
    let relative = request_path.strip_prefix('/')?;
    let relative = if relative.is_empty() { "index.html" } else { relative };
    let plain = relative.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b));
    let segments: Vec<&str> = relative.split('/').collect();
    if !plain || segments.iter().any(|s| s.is_empty() || *s == "." || *s == "..") {
        return None;
    }
    Some(segments.iter().fold(root.to_path_buf(), |path, s| path.join(s)))
}

async fn serve_file(State(web): State<WebRoot>, request: Request) -> Response {
    let no_store = [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))];
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, no_store).into_response();
    }
    let path = request.uri().path();
    if path == "/citykit-config.json" {
        return (no_store, [(header::CONTENT_TYPE, "application/json")], web.config_json.as_str().to_owned()).into_response();
    }
    let Some(file) = file_for(&web.dir, path) else {
        return (StatusCode::NOT_FOUND, no_store).into_response();
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => (no_store, [(header::CONTENT_TYPE, content_type(&file))], bytes).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, no_store).into_response(),
    }
}

/// CORS for the web page's origins (outermost layer of the platform's router): a preflight
/// from an allowed origin is answered at once; every answer to such an origin (errors and
/// injected faults included) allows it and exposes the headers a client reads (DPoP nonces,
/// `WWW-Authenticate`, `Retry-After`, `Location`, `ETag`). No credentials: CityKit sends
/// tokens in headers, never cookies. Other origins get nothing from here.
pub(crate) async fn cors(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).map(str::to_owned);
    let allowed = origin.filter(|o| shared.config.web_origins.iter().any(|w| w == o));
    let Some(origin) = allowed else { return next.run(request).await };
    let Ok(origin) = HeaderValue::from_str(&origin) else { return next.run(request).await };
    if request.method() == Method::OPTIONS && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(
                "authorization, dpop, content-type, idempotency-key, if-none-match, citykit-acting-for, accept, accept-language",
            ),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        return (StatusCode::NO_CONTENT, headers).into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("dpop-nonce, www-authenticate, retry-after, location, etag"),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_under_the_root_are_files() {
        let root = Path::new("/srv/web");
        assert_eq!(file_for(root, "/"), Some(root.join("index.html")));
        assert_eq!(file_for(root, "/pkg/citykit_wasm.js"), Some(root.join("pkg").join("citykit_wasm.js")));
        for bad in ["/../etc/passwd", "/a/../../x", "/%2e%2e/x", "/./a", "//etc/passwd", "/a\\b", "relative", "/a//b", "/x%00"] {
            assert_eq!(file_for(root, bad), None, "{bad}");
        }
    }
}
