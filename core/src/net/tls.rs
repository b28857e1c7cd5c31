//! rustls configuration: roots from [`TrustConfig`] and an SPKI-pinning verifier.

use std::sync::Arc;

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::{NetError, TrustConfig};

/// The message of the rustls error a pin mismatch raises (matched in [`super::error::classify`]).
pub(crate) const PIN_MISMATCH: &str = "citykit: server key does not match the pinned SPKI";

pub(crate) fn client_config(trust: &TrustConfig) -> Result<rustls::ClientConfig, NetError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    if trust.use_public_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for pem in &trust.extra_root_certificates_pem {
        let mut found = false;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| NetError::InvalidRequest { details: format!("unreadable root certificate: {e}") })?;
            roots.add(cert).map_err(|e| NetError::InvalidRequest { details: format!("unusable root certificate: {e}") })?;
            found = true;
        }
        if !found {
            return Err(NetError::InvalidRequest { details: "a root certificate PEM holds no certificate".into() });
        }
    }
    if roots.is_empty() {
        return Err(NetError::InvalidRequest { details: "no trusted root certificates are configured".into() });
    }
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| NetError::InvalidRequest { details: format!("cannot build the certificate verifier: {e}") })?;
    let pins = trust
        .spki_pins
        .iter()
        .map(|pin| {
            base64::engine::general_purpose::STANDARD
                .decode(pin.trim())
                .ok()
                .filter(|d| d.len() == 32)
                .ok_or_else(|| NetError::InvalidRequest { details: "an SPKI pin must be base64 of 32 bytes (SHA-256)".into() })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let verifier = Arc::new(PinningVerifier { inner: webpki, pins });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| NetError::InvalidRequest { details: e.to_string() })?
        .dangerous() // only to install a verifier that checks *more* than webpki does
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(config)
}

/// Full web-PKI verification first, then: some certificate of the chain must match a pin.
#[derive(Debug)]
struct PinningVerifier {
    inner: Arc<WebPkiServerVerifier>,
    pins: Vec<Vec<u8>>,
}

impl PinningVerifier {
    fn matches_pin(&self, cert: &CertificateDer<'_>) -> bool {
        let Ok(parsed) = webpki::EndEntityCert::try_from(cert) else { return false };
        let spki = parsed.subject_public_key_info();
        let digest = ring::digest::digest(&ring::digest::SHA256, spki.as_ref());
        self.pins.iter().any(|pin| pin.as_slice() == digest.as_ref())
    }
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)?;
        if self.pins.is_empty() || std::iter::once(end_entity).chain(intermediates).any(|c| self.matches_pin(c)) {
            Ok(verified)
        } else {
            tracing::warn!("server certificate does not match the pinned key");
            Err(rustls::Error::General(PIN_MISMATCH.into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
