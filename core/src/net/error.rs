//! Network errors and how reqwest/rustls failures map onto them.

use crate::error::{pick, Language};

/// Why a request to the platform failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NetError {
    /// The platform cannot be reached (no network, refused, DNS failure).
    #[error("the platform cannot be reached: {details}")]
    Offline {
        /// The transport's message.
        details: String,
    },
    /// The platform did not answer in time.
    #[error("the request timed out")]
    Timeout,
    /// The server's certificate does not match the configured SPKI pins; nothing was sent.
    #[error("the server's certificate does not match the pinned key")]
    PinMismatch,
    /// The server's certificate is not trusted (unknown CA, wrong name, expired).
    #[error("the server's certificate is not trusted: {details}")]
    Tls {
        /// rustls's message.
        details: String,
    },
    /// The platform answered 5xx (after the retries, for idempotent requests).
    #[error("the platform failed with HTTP {status}")]
    ServerError {
        /// The HTTP status.
        status: u16,
    },
    /// The platform answered an unexpected status.
    #[error("unexpected HTTP {status}{}", error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default())]
    Status {
        /// The HTTP status.
        status: u16,
        /// The OAuth-style `error` code of the answer, if it had one.
        error: Option<String>,
    },
    /// The answer could not be understood.
    #[error("the platform's answer is invalid: {details}")]
    InvalidResponse {
        /// What was wrong.
        details: String,
    },
    /// The request could not be built (a bad URL or configuration).
    #[error("the request is invalid: {details}")]
    InvalidRequest {
        /// What was wrong.
        details: String,
    },
}

impl NetError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Offline { .. } => "net.offline",
            Self::Timeout => "net.timeout",
            Self::PinMismatch => "net.pin_mismatch",
            Self::Tls { .. } => "net.tls",
            Self::ServerError { .. } => "net.server_error",
            Self::Status { .. } => "net.http_status",
            Self::InvalidResponse { .. } => "net.invalid_response",
            Self::InvalidRequest { .. } => "net.invalid_request",
        }
    }

    /// A default message for people.
    pub fn message(&self, language: Language) -> String {
        pick(
            language,
            match self {
                Self::Offline { .. } => "网络不可用，请检查网络后重试。",
                Self::Timeout => "服务响应超时，请稍后重试。",
                Self::PinMismatch | Self::Tls { .. } => "无法建立安全连接，请确认网络环境安全。",
                Self::ServerError { .. } => "服务暂时不可用，请稍后重试。",
                Self::Status { .. } | Self::InvalidResponse { .. } => "服务返回了无法处理的结果。",
                Self::InvalidRequest { .. } => "请求无效，请联系应用开发者。",
            },
            match self {
                Self::Offline { .. } => "You are offline or the service is unreachable; check the network and try again.",
                Self::Timeout => "The service took too long to answer; please try again later.",
                Self::PinMismatch | Self::Tls { .. } => "A secure connection could not be made; make sure your network is safe.",
                Self::ServerError { .. } => "The service is temporarily unavailable; please try again later.",
                Self::Status { .. } | Self::InvalidResponse { .. } => "The service gave an answer the app cannot handle.",
                Self::InvalidRequest { .. } => "The request is invalid; please contact the app's developer.",
            },
        )
        .into()
    }

    /// Whether another attempt might succeed.
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self, Self::Offline { .. } | Self::Timeout | Self::ServerError { .. })
    }
}

/// Maps a reqwest failure, looking through its causes for rustls's verdict.
pub(crate) fn classify(e: reqwest::Error) -> NetError {
    if e.is_timeout() {
        return NetError::Timeout;
    }
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(tls) = find_rustls_error(&e) {
        return match tls {
            rustls::Error::General(message) if message == super::tls::PIN_MISMATCH => NetError::PinMismatch,
            other => NetError::Tls { details: other.to_string() },
        };
    }
    if is_connect(&e) {
        return NetError::Offline { details: error_chain(&e) };
    }
    if e.is_decode() || e.is_body() {
        return NetError::InvalidResponse { details: error_chain(&e) };
    }
    NetError::Offline { details: error_chain(&e) }
}

#[cfg(not(target_arch = "wasm32"))]
fn find_rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        // io::Error hides a custom inner error from source() (and may nest): look inside it.
        current = match err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

fn error_chain(e: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    text.push_str(&strip_url(e));
    while let Some(err) = current {
        text.push_str(": ");
        text.push_str(&err.to_string());
        current = err.source();
    }
    text
}

fn strip_url(e: &reqwest::Error) -> String {
    // The URL may carry query parameters; the kind of failure is enough.
    if is_connect(e) {
        "connection failed".into()
    } else if e.is_request() {
        "request failed".into()
    } else {
        "transport failed".into()
    }
}

/// Whether the request never reached the server (in the browser, fetch only says "request failed").
fn is_connect(e: &reqwest::Error) -> bool {
    #[cfg(not(target_arch = "wasm32"))]
    return e.is_connect();
    #[cfg(target_arch = "wasm32")]
    return e.is_request();
}
