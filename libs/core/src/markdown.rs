//! Markdown → safe HTML: pulldown-cmark renders (and passes raw HTML through by design), then ammonia sanitises the
//! result with an allow-list. The output is stored next to the source, so this runs when text is written, not on
//! every view.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

/// Longest HTML kept; beyond it (pathological nesting) the text is shown escaped instead.
pub const MAX_HTML_CHARS: usize = 1_000_000;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    // Only schemes a help desk needs: no `javascript:`, `data:`, `vbscript:` or exotic handlers.
    b.url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    b
});

/// Renders user markdown to sanitised HTML, safe to insert into a page as is.
pub fn render(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 2);
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    let clean = SANITIZER.clean(&raw).to_string();
    if clean.chars().count() > MAX_HTML_CHARS {
        return format!("<pre>{}</pre>", escape(markdown));
    }
    clean
}

/// Escapes text for HTML (used for the fallback above).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Payloads of the security bar (§1.1, T-1.1): each must render inert. Shared with the integration tests.
pub const XSS_PAYLOADS: &[&str] = &[
    "hello <script>alert(1)</script>",
    "[c](javascript:alert(1))",
    "[c](JaVaScRiPt:alert(1))",
    "[c](&#106;avascript:alert(1))",
    "[c](java&#09;script:alert(1))",
    "<img src=x onerror=alert(1)>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">d</a>",
    "<details open ontoggle=alert(1)>",
    "<svg><a><set attributeName=\"href\" to=\"javascript:alert(1)\"/><text x=\"20\" y=\"20\">x</text></a></svg>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<math><xmp><iframe srcdoc=\"<script>alert(1)</script>\"></xmp></math>",
    "<iframe src=//evil.example>",
    "<form action=//evil.example><button>go</button></form>",
    "\"><img src=x onerror=alert(1)>",
    "<object data=\"javascript:alert(1)\"></object><embed src=\"javascript:alert(1)\">",
    "<base href=\"//evil.example/\"><meta http-equiv=\"refresh\" content=\"0;url=//evil.example\">",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "[x](vbscript:msgbox(1)) <a href=\" javascript:alert(1)\">y</a>",
    "![i](javascript:alert(1)) <img src=\"data:image/svg+xml;base64,PHN2Zz4=\">",
];

/// Why a piece of HTML is not inert, if it is not: every tag is inspected for forbidden elements, event-handler
/// attributes and dangerous URL schemes. Quoted attribute values are skipped as values, never read as tags.
pub fn find_active_content(html: &str) -> Option<String> {
    const ELEMENTS: &[&str] = &[
        "script", "iframe", "form", "svg", "math", "object", "embed", "base", "meta", "style",
        "link", "frame", "frameset", "applet", "set", "animate", "xmp", "noscript", "template",
        "input", "button", "textarea", "select",
    ];
    for tag in tags(&html.to_ascii_lowercase()) {
        let name = tag.name.trim_start_matches('/');
        if ELEMENTS.contains(&name) {
            return Some(format!("element <{name}>"));
        }
        for (key, value) in tag.attributes {
            if key.starts_with("on") || key == "srcdoc" || key == "style" || key == "formaction" {
                return Some(format!("attribute {key}"));
            }
            let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            if ["javascript:", "vbscript:", "data:"]
                .iter()
                .any(|s| compact.starts_with(s))
            {
                return Some(format!("url {value}"));
            }
        }
    }
    None
}

struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// A minimal tag tokenizer for the checker: names and attributes of every tag, quoted values kept whole.
fn tags(html: &str) -> Vec<Tag> {
    let mut out = vec![];
    let mut chars = html.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '<' {
            continue;
        }
        let name: String = std::iter::from_fn(|| {
            chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
        })
        .collect();
        let mut attributes = vec![];
        loop {
            while chars.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
            if chars.next_if_eq(&'>').is_some() || chars.peek().is_none() {
                break;
            }
            let key: String = std::iter::from_fn(|| {
                chars.next_if(|c| !c.is_whitespace() && !matches!(c, '=' | '>' | '/'))
            })
            .collect();
            let mut value = String::new();
            if chars.next_if_eq(&'=').is_some() {
                match chars.next_if(|c| *c == '"' || *c == '\'') {
                    Some(q) => {
                        value.extend(std::iter::from_fn(|| chars.next_if(|c| *c != q)));
                        chars.next();
                    }
                    None => value.extend(std::iter::from_fn(|| {
                        chars.next_if(|c| !c.is_whitespace() && *c != '>')
                    })),
                }
            }
            if key.is_empty() && value.is_empty() {
                chars.next();
                continue;
            }
            attributes.push((key, value));
        }
        out.push(Tag { name, attributes });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_payload_of_the_security_bar_renders_inert() {
        for payload in XSS_PAYLOADS {
            let out = render(payload);
            assert_eq!(find_active_content(&out), None, "{payload} → {out}");
            // Sanitising the output again changes nothing.
            assert_eq!(SANITIZER.clean(&out).to_string(), out, "{payload}");
        }
    }

    #[test]
    fn the_checker_itself_catches_active_content() {
        for bad in [
            "<script>x</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">c</a>",
            "<a href=' data:text/html,x'>c</a>",
            "<p style=\"x\">",
            "<svg>",
        ] {
            assert!(find_active_content(bad).is_some(), "{bad}");
        }
        assert_eq!(
            find_active_content("<p title=\"a <img src=x onerror=x>\">t</p>"),
            None
        );
    }

    #[test]
    fn markdown_still_works() {
        let out = render(
            "# Title\n\n**bold** _it_ `code` [link](https://example.com)\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        );
        assert!(out.contains("<h1>Title</h1>"), "{out}");
        assert!(out.contains("<strong>bold</strong>"));
        assert!(out.contains("<code>code</code>"));
        assert!(out.contains(
            "<a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">link</a>"
        ));
        assert!(out.contains("<table>"));
    }

    #[test]
    fn pathological_nesting_falls_back_to_escaped_text() {
        let out = render(&">".repeat(10_000));
        assert!(out.chars().count() <= MAX_HTML_CHARS);
        assert_eq!(find_active_content(&out), None);
    }
}
