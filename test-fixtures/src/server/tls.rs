//! The simulator's throw-away PKI: a test CA made at start, and a leaf certificate for
//! `localhost` / `127.0.0.1` signed by it.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    PublicKeyData as _,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest as _, Sha256};

use super::SimError;

/// The name of the CA certificate's subject.
pub const CA_COMMON_NAME: &str = "CityKit Simulator Test CA";

pub(crate) struct TlsMaterial {
    pub(crate) ca_pem: String,
    pub(crate) ca_der: CertificateDer<'static>,
    pub(crate) leaf_der: CertificateDer<'static>,
    pub(crate) spki_pin: String,
    pub(crate) server_config: Arc<rustls::ServerConfig>,
}

fn cert_err(e: rcgen::Error) -> SimError {
    SimError::Tls(format!("certificate generation failed: {e}"))
}

fn tls_err(e: rustls::Error) -> SimError {
    SimError::Tls(format!("TLS configuration failed: {e}"))
}

/// The ring crypto provider, always passed explicitly (no process-wide default is installed).
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub(crate) fn generate() -> Result<TlsMaterial, SimError> {
    let ca_key = KeyPair::generate().map_err(cert_err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(cert_err)?;
    let mut ca_dn = DistinguishedName::new();
    ca_dn.push(DnType::CommonName, CA_COMMON_NAME);
    ca_dn.push(DnType::OrganizationName, "CityKit");
    ca_params.distinguished_name = ca_dn;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(cert_err)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().map_err(cert_err)?;
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).map_err(cert_err)?;
    let mut leaf_dn = DistinguishedName::new();
    leaf_dn.push(DnType::CommonName, "localhost");
    leaf_dn.push(DnType::OrganizationName, "CityKit Simulator");
    leaf_params.distinguished_name = leaf_dn;
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.use_authority_key_identifier_extension = true;
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).map_err(cert_err)?;

    let spki_pin = STANDARD.encode(Sha256::digest(leaf_key.subject_public_key_info()));
    let ca_der = ca_cert.der().clone();
    let leaf_der = leaf_cert.der().clone();
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));

    let mut server_config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_no_client_auth()
        .with_single_cert(vec![leaf_der.clone(), ca_der.clone()], key_der)
        .map_err(tls_err)?;
    server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    Ok(TlsMaterial { ca_pem: ca_cert.pem(), ca_der, leaf_der, spki_pin, server_config: Arc::new(server_config) })
}

/// A rustls client configuration (ring provider) that trusts only the given CA.
pub(crate) fn client_config(ca_der: &CertificateDer<'static>) -> Result<rustls::ClientConfig, SimError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_der.clone()).map_err(tls_err)?;
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_is_hash_of_spki_inside_leaf() {
        let Ok(m) = generate() else { panic!("tls generation failed") };
        assert!(m.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        // The P-256 SPKI DER is 91 bytes; find it inside the leaf certificate and hash it.
        let leaf = m.leaf_der.as_ref();
        let found = leaf.windows(91).any(|w| w.starts_with(&[0x30, 0x59, 0x30, 0x13]) && STANDARD.encode(Sha256::digest(w)) == m.spki_pin);
        assert!(found, "pin does not match any SPKI in the leaf certificate");
    }
}
