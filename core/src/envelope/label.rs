//! The envelope's label, drawn by the core as SVG: vector modules for the QR code and text as
//! text (no fonts are carried: the label names CJK-capable families and the printer's system
//! renders them), sized for a C6 envelope (162 × 114 mm). And the QR code alone, for a screen.

use qrcode::{Color, EcLevel, QrCode};

use super::EnvelopeError;

/// A C6 envelope, in millimetres.
pub const C6_WIDTH_MM: f64 = 162.0;
/// A C6 envelope's height, in millimetres.
pub const C6_HEIGHT_MM: f64 = 114.0;
/// The printed code's side, in millimetres (quiet zone included): large enough for a courier's
/// phone at arm's length.
const QR_SIDE_MM: f64 = 60.0;
/// The QR standard's quiet zone, in modules.
const QUIET_ZONE: usize = 4;
const FONTS: &str = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

/// What a label shows besides its code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LabelText {
    /// The case number in readable form, e.g. `C20261202-000123`.
    pub case_number: String,
    /// The destination window, in Chinese.
    pub destination_zh: String,
    /// The destination window, in English.
    pub destination_en: String,
    /// The deadline, as the date the window must receive it (`YYYY-MM-DD`).
    pub deadline: String,
}

/// The modules of `code` at error correction Q (alphanumeric mode for a `CKE1:` code).
fn modules(code: &str) -> Result<(usize, Vec<Color>), EnvelopeError> {
    let qr = QrCode::with_error_correction_level(code.as_bytes(), EcLevel::Q)
        .map_err(|_| EnvelopeError::Malformed { details: "too long for a QR code".into() })?;
    Ok((qr.width(), qr.to_colors()))
}

/// One SVG path of the dark modules, module (x, y) at `(x + quiet, y + quiet)` in module units.
fn module_path(width: usize, colors: &[Color]) -> String {
    let mut d = String::with_capacity(colors.len() * 4);
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            d.push_str(&format!("M{} {}h1v1h-1z", i % width + QUIET_ZONE, i / width + QUIET_ZONE));
        }
    }
    d
}

/// The right margin of the label's text.
const MARGIN_MM: f64 = 4.0;

/// An estimate of a line's printed width: CJK characters are square, others half the font size
/// on average in a sans-serif face (escapes counted as the characters they stand for).
fn estimated_width_mm(line: &str, size: f64) -> f64 {
    let plain = line.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'");
    plain.chars().map(|c| if (c as u32) >= 0x2E80 { size } else { 0.5 * size }).sum()
}

/// XML-escapes text for an SVG text node or attribute.
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c if c.is_control() => " ".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// The QR code alone, for a screen: a square SVG whose side is `side_px` pixels.
pub fn screen_svg(code: &str, side_px: u32) -> Result<String, EnvelopeError> {
    let (width, colors) = modules(code)?;
    let units = width + 2 * QUIET_ZONE;
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{side_px}" height="{side_px}" viewBox="0 0 {units} {units}" shape-rendering="crispEdges"><rect width="{units}" height="{units}" fill="#fff"/><path fill="#000" d="{}"/></svg>"##,
        module_path(width, &colors)
    ))
}

/// The printable label for a C6 envelope: the code (left), the case number, the destination,
/// the deadline and a short instruction in Chinese and English (right).
pub fn label_svg(code: &str, text: &LabelText) -> Result<String, EnvelopeError> {
    let (width, colors) = modules(code)?;
    let units = (width + 2 * QUIET_ZONE) as f64;
    let scale = QR_SIDE_MM / units;
    let (x0, y0) = (10.0, (C6_HEIGHT_MM - QR_SIDE_MM) / 2.0);
    let tx = x0 + QR_SIDE_MM + 8.0;
    let lines = [
        (14.0, 5.0, "bold", "免跑腿信封 No-errand envelope".to_owned()),
        (23.0, 6.5, "bold", escape(&text.case_number)),
        (33.0, 5.0, "normal", format!("寄往 {}", escape(&text.destination_zh))),
        (39.5, 3.8, "normal", format!("To: {}", escape(&text.destination_en))),
        (50.0, 5.0, "bold", format!("截止 {} 前送达", escape(&text.deadline))),
        (56.5, 3.8, "normal", format!("Deliver by {}", escape(&text.deadline))),
        (70.0, 4.0, "normal", "装入所缺材料，扫码预约上门取件。".to_owned()),
        (76.0, 3.5, "normal", "Put the missing papers in; scan to book a pickup.".to_owned()),
        (86.0, 3.5, "normal", "窗口收件时扫码核验 · The window scans it on arrival.".to_owned()),
    ];
    let room = C6_WIDTH_MM - tx - MARGIN_MM;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{C6_WIDTH_MM}mm" height="{C6_HEIGHT_MM}mm" viewBox="0 0 {C6_WIDTH_MM} {C6_HEIGHT_MM}"><rect width="{C6_WIDTH_MM}" height="{C6_HEIGHT_MM}" fill="#fff"/><g transform="translate({x0} {y0}) scale({scale:.6})" shape-rendering="crispEdges"><rect width="{units}" height="{units}" fill="#fff"/><path fill="#000" d="{}"/></g><g font-family="{FONTS}" fill="#000">"##,
        module_path(width, &colors)
    );
    for (y, size, weight, line) in lines {
        // A line that may not fit (a long window name) is squeezed into the room it has.
        let fit = if estimated_width_mm(&line, size) > room {
            format!(r#" textLength="{room:.1}" lengthAdjust="spacingAndGlyphs""#)
        } else {
            String::new()
        };
        svg.push_str(&format!(r#"<text x="{tx}" y="{y}" font-size="{size}" font-weight="{weight}"{fit}>{line}</text>"#));
    }
    svg.push_str("</g></svg>");
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "CKE1:NCF.80J20FFW$WGSLKC 4G7AI/D: C/3EQZCNF6TF64W50I6 6B0XKAWEMWEW9E0G7Q:5-EDHEFB$CBECP9EUYCDF3";

    fn text() -> LabelText {
        LabelText {
            case_number: "C20261202-000123".into(),
            destination_zh: "福田区政务服务中心 3 号窗口".into(),
            destination_en: "Futian Service Centre, window 3 <&>".into(),
            deadline: "2026-12-16".into(),
        }
    }

    #[test]
    fn the_label_is_c6_with_text_as_text_and_vector_modules() {
        let svg = label_svg(CODE, &text()).unwrap();
        assert!(svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" width="162mm" height="114mm""#), "{svg}");
        for line in [
            "C20261202-000123",
            "福田区政务服务中心 3 号窗口",
            "Futian Service Centre, window 3 &lt;&amp;&gt;",
            "2026-12-16",
            "扫码预约上门取件",
        ] {
            assert!(svg.contains(line), "{line}");
        }
        assert!(!svg.contains("<image") && !svg.contains("@font-face"), "no bitmaps, no embedded fonts");
        // Exactly the dark modules of the symbol, each one unit square.
        let qr = QrCode::with_error_correction_level(CODE.as_bytes(), EcLevel::Q).unwrap();
        let dark = qr.to_colors().iter().filter(|c| **c == Color::Dark).count();
        assert_eq!(svg.matches("h1v1h-1z").count(), dark);
    }

    #[test]
    fn a_line_too_long_for_the_label_is_squeezed_into_its_room() {
        let mut long = text();
        long.destination_zh = "深圳市福田区政务服务数据管理局福田街道党群服务中心综合受理窗口".into();
        let svg = label_svg(CODE, &long).unwrap();
        let line = svg.split("<text").find(|t| t.contains("综合受理窗口")).unwrap();
        assert!(line.contains(r#"textLength="80.0" lengthAdjust="spacingAndGlyphs""#), "{line}");
        let short = svg.split("<text").find(|t| t.contains("Deliver by")).unwrap();
        assert!(!short.contains("textLength"), "{short}");
    }

    #[test]
    fn the_screen_code_is_square_and_refuses_what_cannot_be_a_qr_code() {
        let svg = screen_svg(CODE, 320).unwrap();
        assert!(svg.contains(r#"width="320" height="320""#));
        assert!(matches!(screen_svg(&"9".repeat(10_000), 320), Err(EnvelopeError::Malformed { .. })));
    }
}
