//! "Quote": pre-fills the reply box with a post, each line prefixed with `> `.

/// The quoted text: a first line (e.g. "Ada wrote on 01-02-2026 10:00:"), a blank quoted line, then the content.
pub fn quote(header: &str, content: &str) -> String {
    let mut out = format!("> {header}\n>\n");
    for line in content.lines() {
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_quoted_with_unix_line_endings() {
        assert_eq!(
            quote("Ada wrote:", "one\n\ntwo"),
            "> Ada wrote:\n>\n> one\n>\n> two\n\n"
        );
    }
}
