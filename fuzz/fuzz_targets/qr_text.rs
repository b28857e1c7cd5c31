//! QR payloads (`CK1:` packed presentations, or plain text) as a verifier's camera scans them.
//! Never panics; whatever packs unpacks to exactly itself, and what unpacks packs back to the
//! same text.
#![no_main]

use citykit_core::wallet::qr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(unpacked) = qr::unpack(text) {
        // What a packed payload carries is canonical base64url parts: it packs again, to a
        // payload that unpacks to the same text.
        if text.trim().starts_with(qr::PACKED_PREFIX) {
            if let Ok(repacked) = qr::pack(&unpacked) {
                assert_eq!(qr::unpack(&repacked).ok().as_deref(), Some(unpacked.as_str()), "re-packing changed the text");
            }
        }
    }
    if let Ok(packed) = qr::pack(text) {
        assert!(packed.starts_with(qr::PACKED_PREFIX));
        assert_eq!(qr::unpack(&packed).ok().as_deref(), Some(text), "unpack(pack(x)) != x");
    }
});
