//! Web-search syntax to a PostgreSQL `tsquery`: words are ANDed, `"quoted words"` are phrases, `-word` excludes,
//! `or` between two terms means either, and the last word typed also matches as a prefix.
//!
//! Only letters and digits reach the query text, so no input can inject `tsquery` operators; accents are folded in
//! SQL (`f_unaccent`) the same way as in the indexed documents.

/// One term of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// Words that must appear in this order (one word is a phrase of one).
    Phrase {
        words: Vec<String>,
        negated: bool,
        prefix: bool,
    },
    /// `or` between the previous and the next term.
    Or,
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn parse(input: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let quoted = chars.peek() == Some(&'"');
        let mut raw = String::new();
        if quoted {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                raw.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                raw.push(c);
                chars.next();
            }
        }
        if !quoted && !negated && raw.eq_ignore_ascii_case("or") {
            terms.push(Term::Or);
            continue;
        }
        let words = words(&raw);
        if !words.is_empty() {
            terms.push(Term::Phrase {
                words,
                negated,
                prefix: !quoted,
            });
        }
    }
    // Only the last word typed is a prefix, and only when it is a plain positive word.
    let last = terms.iter().rposition(|t| matches!(t, Term::Phrase { .. }));
    for (i, t) in terms.iter_mut().enumerate() {
        if let Term::Phrase {
            prefix, negated, ..
        } = t
        {
            *prefix = *prefix && !*negated && Some(i) == last;
        }
    }
    terms
}

fn render(term: &Term) -> String {
    match term {
        Term::Or => "|".to_owned(),
        Term::Phrase {
            words,
            negated,
            prefix,
        } => {
            let n = words.len();
            let lexemes: Vec<String> = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if *prefix && i + 1 == n {
                        format!("'{w}':*")
                    } else {
                        format!("'{w}'")
                    }
                })
                .collect();
            let body = if n == 1 {
                lexemes.join("")
            } else {
                format!("({})", lexemes.join(" <-> "))
            };
            if *negated { format!("!{body}") } else { body }
        }
    }
}

/// The `tsquery` text for a search box, or `None` when nothing searchable was typed (or only exclusions).
pub fn to_tsquery(input: &str) -> Option<String> {
    let terms = parse(input);
    let mut out: Vec<String> = Vec::new();
    let mut pending_or = false;
    for term in &terms {
        match term {
            Term::Or => pending_or = !out.is_empty(),
            phrase => {
                if !out.is_empty() {
                    out.push(if pending_or {
                        "|".to_owned()
                    } else {
                        "&".to_owned()
                    });
                }
                out.push(render(phrase));
                pending_or = false;
            }
        }
    }
    let positive = terms
        .iter()
        .any(|t| matches!(t, Term::Phrase { negated: false, .. }));
    (positive && !out.is_empty()).then(|| out.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_anded_and_the_last_is_a_prefix() {
        assert_eq!(
            to_tsquery("printer jam").as_deref(),
            Some("'printer' & 'jam':*")
        );
        assert_eq!(to_tsquery("Imprimante").as_deref(), Some("'imprimante':*"));
    }

    #[test]
    fn phrases_exclusions_and_or() {
        assert_eq!(
            to_tsquery("\"paper jam\" -laser").as_deref(),
            Some("('paper' <-> 'jam') & !'laser'")
        );
        assert_eq!(
            to_tsquery("vpn or proxy").as_deref(),
            Some("'vpn' | 'proxy':*")
        );
        assert_eq!(to_tsquery("-only -exclusions"), None);
        assert_eq!(to_tsquery("   "), None);
    }

    #[test]
    fn nothing_but_letters_and_digits_reaches_the_query() {
        let q = to_tsquery("a'b & c:* | !(d) <-> e\\ \0").unwrap();
        assert_eq!(q, "('a' <-> 'b') & 'c' & 'd' & 'e':*");
        assert_eq!(to_tsquery("e-mail").as_deref(), Some("('e' <-> 'mail':*)"));
    }
}
