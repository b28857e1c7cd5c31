//! Push bodies as a carrier delivers them: either arbitrary bytes handed to the device's
//! decryption (RFC 8291 `aes128gcm`), or (first byte odd) arbitrary plaintext encrypted to the
//! device, which must decrypt back to itself. Never panics.
#![no_main]

use citykit_core::push::ece;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (Ok(device), Ok(sender)) = (p256::SecretKey::from_slice(&[7u8; 32]), p256::SecretKey::from_slice(&[9u8; 32])) else { return };
    let auth = [5u8; 16];
    match data.split_first() {
        Some((first, plaintext)) if first % 2 == 1 => {
            if let Ok(body) = ece::encrypt(plaintext, &ece::public_key_bytes(&device), &auth, &sender, &[3u8; 16]) {
                assert_eq!(ece::decrypt(&body, &device, &auth).ok().as_deref(), Some(plaintext));
            }
        }
        _ => {
            let _ = ece::decrypt(data, &device, &auth);
        }
    }
});
