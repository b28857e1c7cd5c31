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

/// Encodes `payload` at level L within [`MAX_QR_VERSION`]: the `qrcode` crate's segmentation,
/// error correction and module placement, with the mask chosen by [`mask_penalty`].
///
/// Why not `QrCode::with_error_correction_level`: measured at version 24, its mask choice takes
/// 99% of the time (5.8 ms of 5.9): it scores each of the eight masked symbols through
/// per-module calls on a cloned canvas. Scoring the same rules over a flat array of colours
/// picks the same mask (tested against the crate, module for module) in a fraction of it.
pub fn encode(payload: &[u8]) -> Result<QrMatrix, WalletError> {
    let bits = qrcode::bits::encode_auto(payload, EcLevel::L).map_err(|_| WalletError::QrTooLarge)?;
    let version = match bits.version() {
        Version::Normal(v) if v <= MAX_QR_VERSION => bits.version(),
        _ => return Err(WalletError::QrTooLarge),
    };
    let Version::Normal(number) = version else { return Err(WalletError::QrTooLarge) };
    let (data, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::L).map_err(|_| WalletError::QrTooLarge)?;
    let mut canvas = qrcode::canvas::Canvas::new(version, EcLevel::L);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = usize::try_from(version.width()).map_err(|_| WalletError::QrTooLarge)?;
    let mut best: Option<(i32, Vec<qrcode::Color>)> = None;
    for pattern in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(pattern);
        let colors = masked.into_colors();
        let score = mask_penalty(&colors, width);
        // The first of equal scores wins, as in the crate.
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, colors));
        }
    }
    let (_, colors) = best.ok_or(WalletError::QrTooLarge)?;
    Ok(QrMatrix { version: number, width, colors })
}

const MASKS: [qrcode::canvas::MaskPattern; 8] = [
    qrcode::canvas::MaskPattern::Checkerboard,
    qrcode::canvas::MaskPattern::HorizontalLines,
    qrcode::canvas::MaskPattern::VerticalLines,
    qrcode::canvas::MaskPattern::DiagonalLines,
    qrcode::canvas::MaskPattern::LargeCheckerboard,
    qrcode::canvas::MaskPattern::Fields,
    qrcode::canvas::MaskPattern::Diamonds,
    qrcode::canvas::MaskPattern::Meadow,
];

/// The mask penalty of ISO/IEC 18004 §7.8.3 as the `qrcode` crate scores it: runs of five or
/// more (length − 2 each), 2×2 blocks (3 each), finder-like `#.###.#` without four light modules
/// on one side (40 each, less the 360 the three finder patterns always score), and the distance
/// of the dark share from 50 %.
pub fn mask_penalty(colors: &[qrcode::Color], width: usize) -> i32 {
    const FINDER: u8 = 0b101_1101;
    let rows: Vec<u8> = colors.iter().map(|c| u8::from(*c == qrcode::Color::Dark)).collect();
    let mut columns = vec![0u8; rows.len()];
    for y in 0..width {
        for x in 0..width {
            columns[x * width + y] = rows[y * width + x];
        }
    }
    let mut score = 0i32;
    for lines in [&rows, &columns] {
        for line in lines.chunks_exact(width) {
            let mut run = 1;
            for j in 1..width {
                if line[j] == line[j - 1] {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += run - 2;
                    }
                    run = 1;
                }
            }
            if run >= 5 {
                score += run - 2;
            }
            // A rolling 7-bit window: the finder-like pattern is 1011101.
            let mut bits = 0u8;
            for end in 0..width {
                bits = ((bits << 1) | line[end]) & 0x7f;
                if end < 6 || bits != FINDER {
                    continue;
                }
                let j = end - 6;
                let light_before = !line[j.saturating_sub(4)..j].contains(&1);
                let light_after = !line[j + 7..(j + 11).min(width)].contains(&1);
                if light_before || light_after {
                    score += 40;
                }
            }
        }
        score -= 360;
    }
    for y in 0..width - 1 {
        let (top, bottom) = (&rows[y * width..(y + 1) * width], &rows[(y + 1) * width..(y + 2) * width]);
        for x in 0..width - 1 {
            let c = top[x];
            if top[x + 1] == c && bottom[x] == c && bottom[x + 1] == c {
                score += 3;
            }
        }
    }
    let dark_count = rows.iter().filter(|d| **d == 1).count();
    let ratio = (dark_count * 200 / rows.len().max(1)) as i32;
    score + (ratio - 100).abs()
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
    fn the_fast_mask_choice_gives_the_crates_symbol_module_for_module() {
        let text = RFC_PRESENTATION.trim();
        let mut payloads = vec![pack(text).unwrap(), "CK1:".to_owned(), "HELLO WORLD".to_owned()];
        for n in [10usize, 100, 300, 500, 700, 900] {
            payloads.push(format!("CK1:{}", base45::encode(crate::crypto::random_token(n).unwrap().as_bytes())));
        }
        for payload in payloads {
            let ours = encode(payload.as_bytes()).unwrap();
            let theirs = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::L).unwrap();
            assert_eq!(Version::Normal(ours.version), theirs.version(), "{} bytes", payload.len());
            assert!(ours.colors == theirs.to_colors(), "a different symbol for {} bytes", payload.len());
        }
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
