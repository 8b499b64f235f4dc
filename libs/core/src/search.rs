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

/// A search of plain words and prefixes as the search postings (`search_terms`) answer it: the words (typed, lower
/// case; accents are folded in SQL like the documents'), which are prefixes, which are excluded, and the query as
/// alternatives, each the bit mask of the words a ticket must have (`need`) and must not have (`forbid`). It means
/// exactly what [`to_tsquery`] of the same input means.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Terms {
    /// The words; word `i` is bit `1 << i` of the masks.
    pub words: Vec<String>,
    /// Whether word `i` also matches as a prefix.
    pub prefix: Vec<bool>,
    /// Whether word `i` is excluded (`-word`).
    pub negated: Vec<bool>,
    /// Per alternative: the words that must be present.
    pub need: Vec<i64>,
    /// Per alternative: the words that must be absent.
    pub forbid: Vec<i64>,
}

/// Words of at most this many characters, and queries of at most this many words, are answered from the postings.
const TERM_MAX_CHARS: usize = 100;
const TERMS_MAX: usize = 62;

/// Whether PostgreSQL's parser surely reads `word` as one word whose lexeme is `lower(f_unaccent(word))`: ASCII
/// letters and digits, and the Latin letters of French and the other western European languages.
fn plain_word(word: &str) -> bool {
    word.chars().count() <= TERM_MAX_CHARS
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || (c.is_alphabetic()
                    && matches!(c, '\u{c0}'..='\u{17f}')
                    && c != '\u{d7}'
                    && c != '\u{f7}')
        })
}

/// The search for a search box as [`Terms`], or `None` when [`to_tsquery`] gives no query or the query needs the
/// full-text index: a phrase of several words, a word outside [`plain_word`], an alternative made only of
/// exclusions, or more than 62 words.
pub fn to_terms(input: &str) -> Option<Terms> {
    let mut terms = Terms::default();
    let (mut need, mut forbid) = (0_i64, 0_i64);
    let mut pending_or = false;
    for term in parse(input) {
        match term {
            Term::Or => pending_or = !terms.words.is_empty(),
            Term::Phrase {
                mut words,
                negated,
                prefix,
            } => {
                if words.len() != 1 || terms.words.len() == TERMS_MAX {
                    return None;
                }
                let word = words.pop()?;
                if !plain_word(&word) {
                    return None;
                }
                if pending_or {
                    terms.need.push(need);
                    terms.forbid.push(forbid);
                    (need, forbid) = (0, 0);
                    pending_or = false;
                }
                let bit = 1_i64 << terms.words.len();
                if negated {
                    forbid |= bit;
                } else {
                    need |= bit;
                }
                terms.words.push(word);
                terms.prefix.push(prefix);
                terms.negated.push(negated);
            }
        }
    }
    terms.need.push(need);
    terms.forbid.push(forbid);
    // Every alternative needs a word: one made only of exclusions would match tickets the postings never list. This
    // also refuses what `to_tsquery` refuses (nothing typed, or exclusions only).
    terms.need.iter().all(|n| *n != 0).then_some(terms)
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

    #[test]
    fn plain_words_become_postings_terms_with_the_same_meaning() {
        let t = to_terms("Imprimante bureau").unwrap();
        assert_eq!(t.words, ["imprimante", "bureau"]);
        assert_eq!(t.prefix, [false, true]);
        assert_eq!(t.negated, [false, false]);
        assert_eq!((t.need, t.forbid), (vec![0b11], vec![0]));
        // `a -b or c`: (a and not b) or c, as the tsquery `'a' & !'b' | 'c':*`.
        let t = to_terms("vpn -laser or écran").unwrap();
        assert_eq!(
            to_tsquery("vpn -laser or écran").as_deref(),
            Some("'vpn' & !'laser' | 'écran':*")
        );
        assert_eq!(t.words, ["vpn", "laser", "écran"]);
        assert_eq!(t.negated, [false, true, false]);
        assert_eq!((t.need, t.forbid), (vec![0b001, 0b100], vec![0b010, 0]));
        // A quoted word is exact; a leading or trailing `or` is a word separator only.
        let t = to_terms("or \"vpn\" or").unwrap();
        assert_eq!(
            (t.words, t.prefix, t.need),
            (vec!["vpn".to_owned()], vec![false], vec![1])
        );
    }

    #[test]
    fn queries_the_postings_cannot_answer_exactly_are_left_to_the_full_text_index() {
        assert_eq!(to_terms("\"paper jam\""), None, "a phrase");
        assert_eq!(
            to_terms("e-mail"),
            None,
            "a phrase, as the parser splits it"
        );
        assert_eq!(to_terms("-only"), None, "no query at all");
        assert_eq!(to_terms(""), None, "nothing typed");
        assert_eq!(to_terms("  or  "), None, "nothing but an operator");
        assert_eq!(
            to_terms("vpn or -laser"),
            None,
            "an alternative of exclusions only"
        );
        assert_eq!(
            to_terms("x²"),
            None,
            "a character PostgreSQL may read otherwise"
        );
        assert_eq!(to_terms("日本"), None);
        assert_eq!(to_terms(&"a".repeat(101)), None, "a very long word");
        let many: Vec<String> = (0..63).map(|i| format!("w{i}")).collect();
        assert_eq!(
            to_terms(&many.join(" ")),
            None,
            "more words than the masks hold"
        );
        assert!(to_terms(&many[..62].join(" ")).is_some());
        assert!(to_terms("Œuvre déjà façade straße").is_some());
    }
}
