//! QR codes for presentations (亮证码), drawn so a phone camera reads them off a phone screen.
//!
//! ## The choice
//! A typical presentation is 2.0–2.3 KB of base64url text. As it is, that needs a QR code of
//! version 33–36 at error correction L (149–161 modules a side): too dense for a camera to read
//! reliably from a phone screen at arm's length, and with no margin for glare or cracks.
//! So the core packs it first: every base64url part is decoded back to its bytes (JSON and
//! signatures), the whole is zlib-compressed, and written in base45 (RFC 9285) behind the prefix
//! `CK1:`, all characters of the QR alphanumeric mode (5.5 bits each), as the EU Digital COVID
//! Certificate does. Packing is checked to unpack to exactly the same text, byte for byte.
//!
//! Measured on the RFC 9901 §5.2 presentation (1,859 bytes): as plain text it needs version 32
//! at level L; packed (1,674 alphanumeric characters) version 24 at L, 28 at M. The core uses
//! error correction L (a screen is not scratched or creased: what a screen code loses is contrast
//! and focus, which the module size addresses) and at most version [`MAX_QR_VERSION`]
//! (137 modules a side, about 7 px a module on a 1080-px-wide phone screen, which phone cameras
//! read at 15–25 cm). A presentation that still does not fit is refused with
//! `wallet.qr_too_large`: the app asks the person to disclose fewer claims. (The other way out, a short-lived reference that the
//! verifier fetches online, would make the window depend on the network and let the platform see
//! every showing; CityKit does not take it.)

use std::io::{Read as _, Write as _};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use qrcode::{EcLevel, Version};

use super::WalletError;

/// The prefix of a packed presentation.
pub const PACKED_PREFIX: &str = "CK1:";
/// The largest QR version the core draws (137 × 137 modules).
pub const MAX_QR_VERSION: i16 = 30;
/// Pixels per module in the PNG.
const PNG_SCALE: usize = 6;
/// Quiet zone in modules (the QR standard asks for 4).
const QUIET_ZONE: usize = 4;

/// A drawn QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QrImage {
    /// What the code carries (`CK1:…`).
    pub payload: String,
    /// The QR version (1–40).
    pub version: i16,
    /// SVG.
    pub svg: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// Packs presentation text for a QR code (see the module docs).
pub fn pack(text: &str) -> Result<String, WalletError> {
    let mut raw = vec![1u8];
    for segment in text.split('~') {
        let parts: Vec<&str> = segment.split('.').collect();
        let count = u8::try_from(parts.len()).map_err(|_| malformed("too many parts"))?;
        raw.push(count);
        for part in parts {
            let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| malformed("not base64url"))?;
            write_len(&mut raw, bytes.len());
            raw.extend_from_slice(&bytes);
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw).map_err(|_| malformed("compression failed"))?;
    let compressed = z.finish().map_err(|_| malformed("compression failed"))?;
    let packed = format!("{PACKED_PREFIX}{}", base45::encode(&compressed));
    // Only canonical base64url survives the round trip; anything else is refused, never altered.
    if unpack(&packed)? != text {
        return Err(malformed("the text does not survive packing"));
    }
    Ok(packed)
}

/// Unpacks `CK1:` text; other text is returned as it is.
pub fn unpack(scanned: &str) -> Result<String, WalletError> {
    // Base45 uses the space character: only line breaks and tabs a scanner adds are removed.
    let scanned = scanned.trim_matches(|c| matches!(c, '\r' | '\n' | '\t'));
    let Some(body) = scanned.strip_prefix(PACKED_PREFIX) else { return Ok(scanned.to_owned()) };
    let compressed = base45::decode(body).map_err(|_| malformed("not base45"))?;
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice()).take(64 * 1024).read_to_end(&mut raw).map_err(|_| malformed("not zlib"))?;
    let (&version, mut rest) = raw.split_first().ok_or_else(|| malformed("empty"))?;
    if version != 1 {
        return Err(malformed("unknown packing version"));
    }
    let mut segments = Vec::new();
    while let Some((&count, tail)) = rest.split_first() {
        rest = tail;
        let mut parts = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let (len, tail) = read_len(rest)?;
            if tail.len() < len {
                return Err(malformed("truncated"));
            }
            parts.push(URL_SAFE_NO_PAD.encode(&tail[..len]));
            rest = &tail[len..];
        }
        segments.push(parts.join("."));
    }
    Ok(segments.join("~"))
}

/// Draws `text` (packed first) as a QR code within [`MAX_QR_VERSION`] at level L.
pub fn draw(text: &str) -> Result<QrImage, WalletError> {
    let payload = pack(text)?;
    let matrix = encode(payload.as_bytes())?;
    let svg = qrcode::render::Renderer::<qrcode::render::svg::Color<'_>>::new(&matrix.colors, matrix.width, QUIET_ZONE as u32)
        .min_dimensions(256, 256)
        .build();
    let png = png_of(&matrix)?;
    Ok(QrImage { payload, version: matrix.version, svg, png })
}

/// A QR symbol: its version, width in modules, and modules row by row.
pub struct QrMatrix {
    /// The QR version.
    pub version: i16,
    /// Modules per side.
    pub width: usize,
    /// Row-major modules.
    pub colors: Vec<qrcode::Color>,
}

/// Encodes `payload` at level L within [`MAX_QR_VERSION`], through the `qrcode` crate's public
/// API: the smallest version that holds it, the crate's own mask choice.
///
/// The crate's mask choice is most of its time (it scores each of the eight masked symbols
/// module by module); the benchmark's `qr` group measures it against `fast_qr`.
pub fn encode(payload: &[u8]) -> Result<QrMatrix, WalletError> {
    let code = qrcode::QrCode::with_error_correction_level(payload, EcLevel::L).map_err(|_| WalletError::QrTooLarge)?;
    let version = match code.version() {
        Version::Normal(v) if v <= MAX_QR_VERSION => v,
        _ => return Err(WalletError::QrTooLarge),
    };
    let width = code.width();
    Ok(QrMatrix { version, width, colors: code.into_colors() })
}

fn png_of(matrix: &QrMatrix) -> Result<Vec<u8>, WalletError> {
    let width = matrix.width;
    let size = (width + 2 * QUIET_ZONE) * PNG_SCALE;
    let colors = &matrix.colors;
    let mut pixels = vec![255u8; size * size];
    for y in 0..width {
        for x in 0..width {
            if colors[y * width + x] == qrcode::Color::Dark {
                for dy in 0..PNG_SCALE {
                    let row = (y + QUIET_ZONE) * PNG_SCALE + dy;
                    let start = row * size + (x + QUIET_ZONE) * PNG_SCALE;
                    pixels[start..start + PNG_SCALE].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(size).map_err(|_| WalletError::QrTooLarge)?;
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|_| malformed("png"))?;
        writer.write_image_data(&pixels).map_err(|_| malformed("png"))?;
    }
    Ok(out)
}

fn write_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_len(input: &[u8]) -> Result<(usize, &[u8]), WalletError> {
    let mut n = 0usize;
    for (i, byte) in input.iter().enumerate().take(4) {
        n |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((n, &input[i + 1..]));
        }
    }
    Err(malformed("bad length"))
}

fn malformed(details: &str) -> WalletError {
    WalletError::Malformed { details: format!("QR payload: {details}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_PRESENTATION: &str = include_str!("../../../test-fixtures/vectors/rfc9901/presentation-5.2.txt");

    /// docs/qr-packing.md, "Worked example": the documented payload unpacks to the documented
    /// text, and CityKit's own packing of that text writes the documented raw bytes.
    #[test]
    fn the_documented_example_unpacks_byte_for_byte() {
        const TEXT: &str = "eyJhIjoxfQ.e30.AQID~WyJzIiwibiIsMV0~";
        const PAYLOAD: &str = "CK1:NCFJPC7:C++A$VACI6G%C52MM.CZJCA+S8+A-/ADFA%QA*B6  C000%CC1X0";
        const RAW: &str = "01 03 07 7b 22 61 22 3a 31 7d 02 7b 7d 03 01 02 03 01 0b 5b 22 73 22 2c 22 6e 22 2c 31 5d 01 00";
        let doc = include_str!("../../../docs/qr-packing.md");
        assert!(doc.contains(TEXT) && doc.contains(PAYLOAD) && doc.contains(RAW), "the test and the document agree");
        assert_eq!(unpack(PAYLOAD).unwrap(), TEXT);
        assert_eq!(unpack(&format!("{PAYLOAD}\r\n")).unwrap(), TEXT, "a scanner's line break is ignored");
        let packed = pack(TEXT).unwrap();
        let compressed = base45::decode(packed.strip_prefix(PACKED_PREFIX).unwrap()).unwrap();
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(compressed.as_slice()).read_to_end(&mut raw).unwrap();
        let hex: Vec<String> = raw.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex.join(" "), RAW);
        // The documented base45 step, for the first pair of compressed bytes.
        assert_eq!(base45::encode([0x78, 0xda]), "NCF");
    }

    #[test]
    fn packing_round_trips_and_shrinks() {
        let text = RFC_PRESENTATION.trim();
        let packed = pack(text).unwrap();
        assert!(packed.starts_with(PACKED_PREFIX));
        assert_eq!(unpack(&packed).unwrap(), text);
        assert!(packed.len() < text.len(), "{} vs {}", packed.len(), text.len());
        assert_eq!(unpack("plain~text~").unwrap(), "plain~text~");
        assert!(unpack("CK1:%%%").is_err());
        assert!(unpack("CK1:").is_err());
    }

    #[test]
    fn a_drawn_code_decodes_back_with_an_independent_decoder() {
        let text = RFC_PRESENTATION.trim();
        let image = draw(text).unwrap();
        assert_eq!(image.version, 24, "the RFC presentation packs into version 24 at level L");
        assert!(image.svg.starts_with("<?xml") && image.svg.contains("<svg"));
        let decoder = png::Decoder::new(std::io::Cursor::new(image.png.clone()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, image.payload);
        assert_eq!(unpack(&content).unwrap(), text);
    }

    #[test]
    fn version_30_is_drawn_and_31_is_refused() {
        // The longest byte-mode payload that fits version 30 at level L, found with the crate itself.
        let version_of = |n: usize| match qrcode::QrCode::with_error_correction_level(vec![b'a'; n], EcLevel::L).unwrap().version() {
            Version::Normal(v) => v,
            Version::Micro(_) => unreachable!(),
        };
        let (mut fits, mut too_long) = (1usize, 2_900usize);
        while too_long - fits > 1 {
            let mid = (fits + too_long) / 2;
            if version_of(mid) <= MAX_QR_VERSION {
                fits = mid;
            } else {
                too_long = mid;
            }
        }
        let at_limit = encode(&vec![b'a'; fits]).unwrap();
        assert_eq!((at_limit.version, at_limit.width), (30, 137));
        assert_eq!(at_limit.colors.len(), 137 * 137);
        assert_eq!(version_of(too_long), 31, "the next byte needs version 31, which the crate would draw");
        assert!(matches!(encode(&vec![b'a'; too_long]), Err(WalletError::QrTooLarge)));
    }

    #[test]
    fn a_presentation_too_large_for_a_screen_code_is_refused_with_a_reason() {
        // Forty more disclosures with random salts and values: incompressible, far past version 30.
        let text = RFC_PRESENTATION.trim();
        let (jwt, _) = text.split_once('~').unwrap();
        let mut big = format!("{jwt}~");
        for i in 0..40 {
            let salt = crate::crypto::random_token(16).unwrap();
            let value = crate::crypto::random_token(24).unwrap();
            big.push_str(&URL_SAFE_NO_PAD.encode(format!("[\"{salt}\", \"claim_{i}\", \"{value}\"]")));
            big.push('~');
        }
        assert!(matches!(draw(&big), Err(WalletError::QrTooLarge)));
    }
}
