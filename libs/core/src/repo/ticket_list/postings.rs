//! A search by relevance ranked in the web process from the search postings.

use super::super::Db;

/// A search with more postings entries than this (all its words together) is ranked by PostgreSQL instead of
/// [`rank_postings`]: the entries travel to the web process, ~12 bytes each.
pub const RANK_POSTINGS_MAX_ENTRIES: i64 = 100_000;

/// One page of a search's matches ranked from the search postings, and how many match.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The page's ticket ids, best first (ties by id).
    pub ids: Vec<i64>,
    /// Every matching ticket.
    pub total: i64,
}

struct WordEntries {
    n: i64,
    entries: i64,
    ids: Option<Vec<i64>>,
    scores: Option<Vec<f32>>,
}

/// The search `terms` ranked from the search postings in this process: PostgreSQL reads each word's entries from
/// the postings' index alone and hands them over as two arrays per word (ids and weights); they are summed per
/// ticket (in the order PostgreSQL's `sum(real)` adds them: words in order, then entries in index order), the
/// query's alternatives tested on the words present, counted, and the page taken by a partial selection. The same
/// ranking as the `postings` shape of the list statement, for about half of PostgreSQL's work in the benchmark: there
/// most of it went to grouping, materializing and sorting the matches, and to planning the statement for its words
/// each time.
///
/// Closed tickets count only with `include_closed`; no other filter applies (the page calls it for filters of text
/// alone).
/// `None` when the words have more than `max_entries` entries in all: then nothing is handed over, and no word's
/// entries are read past the first `max_entries + 1` (a broad prefix such as `a` has ~290,000 open entries in the
/// benchmark's data: read in full into arrays that were then dropped, they took this statement 74 ms; 35 ms now).
#[tracing::instrument(skip_all, err)]
pub async fn rank_postings<'c>(
    db: impl Db<'c>,
    terms: &crate::search::Terms,
    include_closed: bool,
    offset: i64,
    limit: i64,
    max_entries: i64,
) -> sqlx::Result<Option<Ranked>> {
    let words = sqlx::query_as!(
        WordEntries,
        r#"select q.n as "n!", x.entries as "entries!",
                  case when sum(x.entries) over () <= $4::bigint then x.ids end as ids,
                  case when sum(x.entries) over () <= $4::bigint then x.scores end as scores
           from unnest($1::text[], $2::bool[]) with ordinality as q(word, prefix, n)
           cross join lateral (
               select count(*) as entries, array_agg(e.ticket_id) as ids, array_agg(e.score) as scores
               from (select s.ticket_id, s.score
                     from search_terms s
                     where s.lexeme >= lower(f_unaccent(q.word)) collate "C"
                       and s.lexeme < lower(f_unaccent(q.word)) collate "C"
                                      || case when q.prefix then chr(1114111) else chr(1) end
                       and (not s.is_closed or $3)
                     limit $4::bigint + 1) e
           ) x
           order by q.n"#,
        &terms.words,
        &terms.prefix,
        include_closed,
        max_entries,
    )
    .fetch_all(db)
    .await?;
    if words
        .iter()
        .any(|w| w.entries > 0 && (w.ids.is_none() || w.scores.is_none()))
    {
        return Ok(None);
    }
    // Every entry as (ticket, weight if the word is not excluded, the word's bit), grouped by ticket by a stable sort:
    // each word's entries come in index order, ascending ids per word of the range, so the sort mostly merges runs,
    // and a ticket's weights stay in the order `sum(real)` adds them.
    let mut entries: Vec<(i64, Option<f32>, i64)> = Vec::with_capacity(
        words
            .iter()
            .map(|w| w.ids.as_ref().map_or(0, Vec::len))
            .sum(),
    );
    for word in &words {
        let (Some(ids), Some(scores)) = (&word.ids, &word.scores) else {
            continue; // no entries
        };
        let Some(i) = usize::try_from(word.n - 1).ok().filter(|i| *i < 63) else {
            continue;
        };
        let positive = !terms.negated.get(i).copied().unwrap_or(false);
        entries.extend(
            ids.iter()
                .zip(scores)
                .map(|(&id, &score)| (id, positive.then_some(score), 1_i64 << i)),
        );
    }
    entries.sort_by_key(|e| e.0);
    // Per ticket: the sum of its positive words' weights and the words present; kept when an alternative holds.
    let mut matches: Vec<(f32, i64)> = Vec::new();
    for group in entries.chunk_by(|a, b| a.0 == b.0) {
        let rank: f32 = group.iter().filter_map(|e| e.1).sum();
        let present = group.iter().fold(0, |m, e| m | e.2);
        if terms
            .need
            .iter()
            .zip(&terms.forbid)
            .any(|(need, forbid)| present & need == *need && present & forbid == 0)
        {
            matches.push((rank, group[0].0));
        }
    }
    let total = matches.len();
    // Best first, ties by id (as `order by rank desc, ticket_id`; equal weights compare equal).
    let order = |a: &(f32, i64), b: &(f32, i64)| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
    };
    let clamp = |n: i64| usize::try_from(n.max(0)).unwrap_or(usize::MAX).min(total);
    let start = clamp(offset);
    let end = clamp(offset.saturating_add(limit.max(0)));
    if end > 0 && end < total {
        matches.select_nth_unstable_by(end - 1, order);
    }
    matches.truncate(end);
    matches.sort_unstable_by(order);
    Ok(Some(Ranked {
        ids: matches
            .get(start..)
            .unwrap_or_default()
            .iter()
            .map(|m| m.1)
            .collect(),
        total: i64::try_from(total).unwrap_or(i64::MAX),
    }))
}
