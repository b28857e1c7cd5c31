//! Printing an envelope's label (the core's SVG) to PNG for the QA client: resvg with the
//! system's fonts, a CJK family chosen for the label's Chinese text. The core carries no fonts;
//! this is the printer's side.

use resvg::{tiny_skia, usvg};

/// Families tried, in order, for the label's Chinese text when none the label names is installed.
const CJK_FAMILIES: [&str; 6] =
    ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN"];

/// Renders `svg` (sized in millimetres) at `dpi` dots per inch. Fails when no CJK font is
/// installed (the label would print without its Chinese text).
pub fn render(svg: &str, dpi: f32) -> Result<Vec<u8>, String> {
    let mut options = usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let installed: Vec<String> = options.fontdb.faces().flat_map(|f| f.families.iter().map(|(name, _)| name.clone())).collect();
    let cjk = CJK_FAMILIES
        .iter()
        .find(|family| installed.iter().any(|name| name == *family))
        .ok_or("no CJK font is installed (e.g. apt install fonts-wqy-zenhei)")?;
    options.fontdb_mut().set_sans_serif_family(*cjk);
    options.font_family = (*cjk).to_owned();
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("the label is not valid SVG: {e}"))?;
    // usvg sizes the tree in CSS pixels (96 per inch).
    let scale = dpi / 96.0;
    let size = tree.size();
    let (width, height) = ((size.width() * scale).ceil() as u32, (size.height() * scale).ceil() as u32);
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or("the label is empty")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| format!("cannot encode the PNG: {e}"))
}
