//! Attachment names: the original name is only metadata (files are stored under random names), but it is shown in
//! pages and sent back in `Content-Disposition`, so it is cleaned first.

/// Longest original name kept, in characters (longer names are shortened, keeping the extension).
pub const MAX_NAME_CHARS: usize = 200;

/// Cleans an uploaded file name: drops any directory part (`/` or `\`), control and bidirectional-override
/// characters, surrounding blanks and dots; shortens it to [`MAX_NAME_CHARS`] keeping the extension. Returns `None`
/// when nothing usable is left.
pub fn clean_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let cleaned = cleaned.trim().trim_matches('.').trim();
    if cleaned.is_empty() {
        return None;
    }
    if cleaned.chars().count() <= MAX_NAME_CHARS {
        return Some(cleaned.to_owned());
    }
    let ext = extension(cleaned)
        .filter(|e| e.chars().count() <= 16)
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let keep = MAX_NAME_CHARS - ext.chars().count();
    let stem: String = cleaned.chars().take(keep).collect();
    Some(format!("{}{ext}", stem.trim_end()))
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The extension of a name, lower-cased, without the dot.
pub fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_lowercase())
}

/// Whether a name's extension is in the allowed list (lower-case, no dots).
pub fn allowed(name: &str, allowed_extensions: &[String]) -> bool {
    extension(name).is_some_and(|e| allowed_extensions.contains(&e))
}

/// The content type served for an extension: a few well-known types, `application/octet-stream` for the rest.
/// Markup types (html, svg, xml) are never served as such.
pub fn content_type(name: &str) -> &'static str {
    match extension(name).as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("pdf") => "application/pdf",
        Some("txt" | "log" | "csv") => "text/plain; charset=utf-8",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

/// `Content-Disposition: attachment` with an ASCII fallback name and the exact name in RFC 5987 encoding, so that
/// no character of the stored name (quotes, CR/LF, `;`) can end the header or add a parameter.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ascii = if ascii.trim().is_empty() {
        "attachment".to_owned()
    } else {
        ascii
    };
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A short form of a long name for lists: `first-12-chars...ext` (the full name goes in a tooltip).
pub fn short_name(name: &str) -> String {
    if name.chars().count() <= 24 {
        return name.to_owned();
    }
    let head: String = name.chars().take(16).collect();
    let tail: String = name
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_reduced_to_harmless_metadata() {
        assert_eq!(clean_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(clean_name("..\\..\\win.ini").as_deref(), Some("win.ini"));
        assert_eq!(clean_name("/abs/path.txt").as_deref(), Some("path.txt"));
        assert_eq!(clean_name("a\r\nb.txt").as_deref(), Some("ab.txt"));
        assert_eq!(clean_name("x\u{202e}gnp.exe").as_deref(), Some("xgnp.exe"));
        assert_eq!(clean_name(".htaccess").as_deref(), Some("htaccess"));
        assert_eq!(clean_name(""), None);
        assert_eq!(clean_name(" .. "), None);
        assert_eq!(clean_name("../"), None);
        let long = format!("{}.pdf", "n".repeat(296));
        let short = clean_name(&long).unwrap();
        assert_eq!(short.chars().count(), MAX_NAME_CHARS);
        assert!(short.ends_with(".pdf"));
    }

    #[test]
    fn extensions_are_checked_case_insensitively() {
        let list = vec!["png".to_owned(), "pdf".to_owned()];
        assert!(allowed("a.PNG", &list));
        assert!(!allowed("a.png.exe", &list));
        assert!(!allowed("png", &list));
        assert!(!allowed(".png", &list));
    }

    #[test]
    fn markup_is_never_served_as_markup() {
        assert_eq!(content_type("x.svg"), "application/octet-stream");
        assert_eq!(content_type("x.html"), "application/octet-stream");
        assert_eq!(content_type("x.PNG"), "image/png");
    }

    #[test]
    fn content_disposition_cannot_be_broken_out_of() {
        let h = content_disposition("a\"b;c\r\nSet-Cookie: x=1é.txt");
        assert!(!h.contains('\r') && !h.contains('\n'));
        assert_eq!(h.matches('"').count(), 2, "{h}");
        assert!(h.starts_with("attachment; filename=\"a_b_c__Set-Cookie_ x_1_.txt\"; filename*=UTF-8''a%22b%3Bc%0D%0ASet-Cookie%3A%20x%3D1%C3%A9.txt"), "{h}");
    }
}
