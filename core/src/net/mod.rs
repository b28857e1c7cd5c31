//! HTTPS to the city platform: reqwest over rustls (ring), with timeouts, retries with backoff
//! for idempotent requests only, extra trusted roots and optional SPKI pinning.
//!
//! Trust is configuration, never switched off: [`TrustConfig`] adds root certificates (a city's
//! private CA, or the simulator's test CA) and/or SHA-256 pins of a certificate's
//! SubjectPublicKeyInfo (as HPKP wrote them: base64 of the digest). A pin mismatch fails the TLS
//! handshake, so it is raised as [`NetError::PinMismatch`] before any request byte is sent.

mod error;
mod retry_after;
#[cfg(not(target_arch = "wasm32"))]
mod tls;

use std::time::Duration;

pub use error::NetError;
pub use retry_after::retry_after_secs;

/// Which servers the core trusts.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TrustConfig {
    /// Extra trusted root certificates, PEM.
    pub extra_root_certificates_pem: Vec<String>,
    /// SPKI pins: base64 (standard alphabet) SHA-256 of a SubjectPublicKeyInfo in the server's
    /// chain. Empty: no pinning.
    pub spki_pins: Vec<String>,
    /// Trust the public web PKI roots (Mozilla's list) as well. Default false: a city app
    /// normally talks only to its platform.
    pub use_public_roots: bool,
}

/// Network settings.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NetConfig {
    /// Who to trust.
    pub trust: TrustConfig,
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// Retries after the first attempt, for idempotent requests only.
    pub max_retries: u32,
    /// The first backoff; doubled on each retry, with jitter.
    pub initial_backoff: Duration,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            trust: TrustConfig::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
        }
    }
}

/// Whether a request may be sent twice without changing its effect (RFC 9110 §9.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// GET, and anything else safe to repeat: retried on connection failures and 5xx.
    Idempotent,
    /// POST and the like: sent once.
    NotIdempotent,
}

/// The shared HTTPS client.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    config: NetConfig,
}

impl HttpClient {
    /// Builds the client; fails on an unreadable certificate or pin.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new(config: NetConfig) -> Result<Self, NetError> {
        let tls = tls::client_config(&config.trust)?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("CityKit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NetError::InvalidRequest { details: e.without_url().to_string() })?;
        Ok(Self { client, config })
    }

    /// Builds the client. In the browser, TLS and trust belong to the browser: extra roots and
    /// pins cannot be applied there, so asking for them is an error rather than a silent no-op.
    #[cfg(target_arch = "wasm32")]
    pub fn new(config: NetConfig) -> Result<Self, NetError> {
        if !config.trust.spki_pins.is_empty() || !config.trust.extra_root_certificates_pem.is_empty() {
            return Err(NetError::InvalidRequest {
                details: "in the browser, trust is the browser's: SPKI pins and extra roots are not supported".into(),
            });
        }
        let client = reqwest::Client::builder().build().map_err(|e| NetError::InvalidRequest { details: e.without_url().to_string() })?;
        Ok(Self { client, config })
    }

    /// The underlying reqwest client, to build requests.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends the request that `build` makes (called again for each attempt, so every attempt can
    /// carry a fresh DPoP proof). Idempotent requests are retried on connection failures,
    /// timeouts and 5xx answers, with exponential backoff. Answers below 500 are returned for the
    /// caller to read; 5xx after the last attempt becomes [`NetError::ServerError`].
    pub async fn send<F, Fut, E>(&self, idempotency: Idempotency, build: F) -> Result<Response, E>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<reqwest::RequestBuilder, E>>,
        E: From<NetError>,
    {
        self.send_inner(idempotency, false, build).await
    }

    /// GETs a public document (no token: nothing says who asks), retried like every idempotent
    /// request: its body as text on 200, [`NetError::Status`] otherwise, and
    /// [`NetError::InvalidResponse`] naming `what` when the body cannot be read.
    pub async fn get_public(&self, url: &str, what: &str) -> Result<String, NetError> {
        let response = self.send(Idempotency::Idempotent, || async { Ok::<_, NetError>(self.reqwest().get(url)) }).await?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(NetError::Status { status, error: None });
        }
        response.text().await.map_err(|e| NetError::InvalidResponse { details: format!("unreadable {what}: {}", e.without_url()) })
    }

    /// Like [`Self::send`], except that a `503` carrying a `Retry-After` header is returned at
    /// once as an answer: the platform said when to come back, so the caller (the outbox)
    /// schedules its next attempt instead of retrying here.
    pub async fn send_honouring_retry_after<F, Fut, E>(&self, idempotency: Idempotency, build: F) -> Result<Response, E>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<reqwest::RequestBuilder, E>>,
        E: From<NetError>,
    {
        self.send_inner(idempotency, true, build).await
    }

    async fn send_inner<F, Fut, E>(&self, idempotency: Idempotency, pass_retry_after: bool, build: F) -> Result<Response, E>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<reqwest::RequestBuilder, E>>,
        E: From<NetError>,
    {
        let attempts = match idempotency {
            Idempotency::Idempotent => self.config.max_retries + 1,
            Idempotency::NotIdempotent => 1,
        };
        let mut backoff = self.config.initial_backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match build().await?.send().await {
                Ok(response)
                    if pass_retry_after
                        && response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE
                        && response.headers().contains_key(reqwest::header::RETRY_AFTER) =>
                {
                    return Ok(Response(response))
                }
                Ok(response) if response.status().is_server_error() => NetError::ServerError { status: response.status().as_u16() },
                Ok(response) => return Ok(Response(response)),
                Err(e) => error::classify(e),
            };
            if attempt >= attempts || !error.is_retryable() {
                tracing::debug!(code = error.code(), attempt, "request failed");
                return Err(error.into());
            }
            tracing::debug!(code = error.code(), attempt, backoff_ms = backoff.as_millis() as u64, "retrying request");
            crate::platform::sleep(jitter(backoff)).await;
            backoff = backoff.saturating_mul(2);
        }
    }
}

/// An answer from the platform, as [`HttpClient::send`] returns it.
///
/// It reads like `reqwest::Response`, but an error from reading or decoding its body never names
/// the URL (reqwest's errors print `for url (…)`, and a URL may carry a code, a state or an id
/// in its query): whoever formats such an error into `details` cannot leak it.
#[derive(Debug)]
pub struct Response(reqwest::Response);

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> reqwest::StatusCode {
        self.0.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        self.0.headers()
    }

    /// The whole body.
    pub async fn bytes(self) -> Result<Vec<u8>, reqwest::Error> {
        self.0.bytes().await.map(|b| b.to_vec()).map_err(reqwest::Error::without_url)
    }

    /// The whole body as text.
    pub async fn text(self) -> Result<String, reqwest::Error> {
        self.0.text().await.map_err(reqwest::Error::without_url)
    }

    /// The body decoded as JSON. The error never quotes the body either: reqwest's decode error
    /// prints only its kind, and serde_json's message (its source) is not part of `Display`.
    pub async fn json<T: serde::de::DeserializeOwned>(self) -> Result<T, reqwest::Error> {
        self.0.json().await.map_err(reqwest::Error::without_url)
    }
}

/// Backoff with ±25 % jitter, so many clients don't retry in step.
fn jitter(base: Duration) -> Duration {
    let mut byte = [0u8; 1];
    let r = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut byte).map(|_| byte[0]).unwrap_or(128);
    let factor = 0.75 + f64::from(r) / 255.0 * 0.5;
    base.mul_f64(factor)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// Serves `body` (with a 200) to every connection on loopback; returns the base URL.
    async fn serve(body: &'static str, declared_length: usize) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {declared_length}\r\n\r\n");
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body.as_bytes()).await;
                // A body shorter than declared ends with the connection: an unreadable body.
                let _ = socket.shutdown().await;
            }
        });
        format!("http://{address}")
    }

    async fn get(http: &HttpClient, url: &str) -> Response {
        http.send(Idempotency::Idempotent, || async { Ok::<_, NetError>(http.reqwest().get(url)) }).await.unwrap()
    }

    #[tokio::test]
    async fn body_errors_never_name_the_url() {
        let trust = TrustConfig { use_public_roots: true, ..Default::default() };
        let http = HttpClient::new(NetConfig { trust, max_retries: 0, ..Default::default() }).unwrap();
        // A URL with something personal in its query, as an authorization code or an id would be.
        let secret = "code=SECRET-CODE-4711&holder=110101199003078515";
        let base = serve("<html>not json, 110101199003078515</html>", 41).await;
        let url = format!("{base}/token?{secret}");

        let error = get(&http, &url).await.json::<serde_json::Value>().await.unwrap_err();
        let text = format!("{error} / {error:?}");
        assert!(error.is_decode(), "{text}");
        for leak in ["SECRET-CODE-4711", "110101199003078515", "/token", "127.0.0.1"] {
            assert!(!text.contains(leak), "a decode error names `{leak}`: {text}");
        }

        let truncated = serve("{\"partial\": ", 100).await;
        let url = format!("{truncated}/token?{secret}");
        for error in [get(&http, &url).await.bytes().await.unwrap_err(), get(&http, &url).await.text().await.unwrap_err()] {
            let text = format!("{error} / {error:?}");
            for leak in ["SECRET-CODE-4711", "/token", "127.0.0.1"] {
                assert!(!text.contains(leak), "a body error names `{leak}`: {text}");
            }
        }
    }
}
