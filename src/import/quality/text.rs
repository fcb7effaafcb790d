//! Text that the source itself cuts off: a record's text ends, without a
//! closing punctuation mark, on a word that appears nowhere else in its
//! document but begins a longer word that does ("… Gobierno Abierto
//! 2023-202" where the document writes 2023-2025 elsewhere).

use std::collections::HashMap;

use serde_json::json;

use super::{Finding, Out};
use crate::import::Dataset;

/// Closing marks after which a text is complete.
const CLOSING: &[char] = &['.', '!', '?', ';', ':', ')', ']', '»', '”', '"', '\'', '…'];

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric())).filter(|w| !w.is_empty())
}

/// A record's texts, with what it is.
struct Text<'a> {
    plan: &'a str,
    record_type: &'static str,
    id: &'a str,
    document: &'a str,
    field: &'static str,
    text: &'a str,
}

fn texts(ds: &Dataset) -> Vec<Text<'_>> {
    let mut out = Vec::new();
    for c in &ds.commitments {
        let t = |field, text| Text {
            plan: &c.plan_id,
            record_type: "commitment",
            id: &c.id,
            document: &c.source_document,
            field,
            text,
        };
        out.push(t("title", &c.title));
        if let Some(d) = &c.description {
            out.push(t("description", d));
        }
    }
    for m in &ds.milestones {
        out.push(Text {
            plan: &m.plan_id,
            record_type: "milestone",
            id: &m.id,
            document: &m.source_document,
            field: "description",
            text: &m.description,
        });
    }
    for u in &ds.progress_updates {
        out.push(Text {
            plan: &u.plan_id,
            record_type: "progress_update",
            id: &u.id,
            document: &u.source_document,
            field: "description",
            text: &u.description,
        });
    }
    out
}

/// Every word of each document, counted; and each document's words sorted
/// (to find longer words a cut one begins).
struct Vocabulary<'a> {
    counts: HashMap<&'a str, usize>,
    sorted: Vec<&'a str>,
}

impl<'a> Vocabulary<'a> {
    fn new(text: &'a str) -> Self {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for w in tokens(text) {
            *counts.entry(w).or_default() += 1;
        }
        let mut sorted: Vec<&str> = counts.keys().copied().collect();
        sorted.sort_unstable();
        Vocabulary { counts, sorted }
    }

    /// A longer word of the document that `w` is the cut-off start of: not
    /// merely an inflection of it (a plural, a feminine, an adverb).
    fn longer(&self, w: &str) -> Option<&'a str> {
        let at = self.sorted.partition_point(|t| *t <= w);
        self.sorted[at..]
            .iter()
            .take_while(|t| t.starts_with(w))
            .copied()
            .find(|t| !INFLECTIONS.contains(&&t[w.len()..]))
    }
}

/// Endings that turn a whole word into another whole word.
const INFLECTIONS: &[&str] = &["s", "es", "a", "as", "o", "os", "n", "mente"];

pub(super) fn cut_off(ds: &Dataset, out: &mut Out) {
    let vocabularies: HashMap<&str, Vocabulary> =
        ds.source_documents.iter().map(|d| (d.id.as_str(), Vocabulary::new(&d.text))).collect();
    // A word any document writes whole elsewhere is a word, not a cut.
    let whole = |w: &str, document: &str| vocabularies.iter().any(|(d, v)| *d != document && v.counts.contains_key(w));
    let all = texts(ds);
    // How often each exact text occurs: copies of one text share its words.
    let mut copies: HashMap<(&str, &str), usize> = HashMap::new();
    for t in &all {
        *copies.entry((t.document, t.text)).or_default() += 1;
    }
    for t in &all {
        let text = t.text.trim_end();
        if text.is_empty() || text.ends_with(CLOSING) {
            continue;
        }
        let Some(voc) = vocabularies.get(t.document) else { continue };
        let Some(last) = tokens(text).last() else { continue };
        if last.chars().count() < 3 {
            continue;
        }
        let own = tokens(text).filter(|w| *w == last).count() * copies[&(t.document, t.text)];
        let elsewhere = voc.counts.get(last).copied().unwrap_or(0).saturating_sub(own);
        if elsewhere > 0 || whole(last, t.document) {
            continue;
        }
        let Some(longer) = voc.longer(last) else { continue };
        let tail: String = text.chars().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
        out.push_as(
            &format!("text_cut_off:{}:{}", t.id, t.field),
            Finding {
                kind: "text_cut_off",
                plan: t.plan,
                record_type: t.record_type,
                record_id: t.id,
                es: format!(
                    "El texto ({}) de {} termina cortado en la fuente: «…{tail}»; la palabra «{last}» no aparece en \
                     ninguna otra parte del documento, que sí escribe «{longer}».",
                    t.field, t.id
                ),
                en: format!(
                    "The text ({}) of {} is cut off in the source: “…{tail}”; the word “{last}” appears nowhere else \
                     in the document, which does write “{longer}”.",
                    t.field, t.id
                ),
                details: json!({"field": t.field, "last_word": last, "longer_word_in_document": longer}),
            },
        );
    }
}
