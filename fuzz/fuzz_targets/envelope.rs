//! Envelope QR codes as the courier's and the window's cameras scan them: either the scanned
//! text itself, or (first byte odd) arbitrary COSE/CBOR bytes wrapped as a well-formed `CKE1:`
//! code, so the CBOR, COSE and CWT parsing is reached. Never panics; a code that opens names
//! the expected platform, a 16-byte id and a deadline after the verification time. The text is
//! also read as a platform's published envelope document (what a window keeps as a file).
#![no_main]

use std::io::Write as _;

use citykit_core::crypto::jose::EcJwk;
use citykit_core::envelope::code::{open, PREFIX};
use citykit_core::envelope::EnvelopeTrust;
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://city.example";
const NOW: i64 = 1_795_000_100;
/// The public key of docs/envelope-qr.md's worked example.
const KEY: &str = r#"{"kty":"EC","crv":"P-256","x":"Ylx8Mp4w22tnRYZ9heHUkbiGBAgWyx9wwep7a854Pg0","y":"h2w6lVr7GTa-Uk1NWLzcXXiHkyVPyHNDsUE_P64uS80","kid":"envelope-2026-12"}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(key) = serde_json::from_str::<EcJwk>(KEY) else { return };
    let text = match data.split_first() {
        Some((first, cose)) if first % 2 == 1 => {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            if z.write_all(cose).is_err() {
                return;
            }
            let Ok(compressed) = z.finish() else { return };
            format!("{PREFIX}{}", base45::encode(compressed))
        }
        _ => match std::str::from_utf8(data) {
            Ok(text) => text.to_owned(),
            Err(_) => return,
        },
    };
    if let Ok(trust) = EnvelopeTrust::from_json(&text) {
        assert!(!trust.issuer().is_empty());
        let _ = trust.open(&text, NOW);
    }
    if let Ok(claims) = open(&text, ISSUER, &[key], NOW) {
        assert_eq!(claims.issuer, ISSUER);
        assert!(claims.expires_at > NOW);
        assert!(!claims.envelope_id.is_empty() && claims.envelope_id.len() % 2 == 0);
    }
});
