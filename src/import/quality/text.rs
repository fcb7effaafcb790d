//! Text that the source itself cuts off: a record's text ends, without a
//! closing punctuation mark, on a word that appears nowhere else in its
//! document but begins a longer word that does ("… Gobierno Abierto
//! 2023-202" where the document writes 2023-2025 elsewhere).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde_json::json;

use super::{Finding, FindingKind, FindingSubject, Out};
use crate::import::dataset::Dataset;

/// Closing marks after which a text is complete.
const CLOSING: &[char] = &['.', '!', '?', ';', ':', ')', ']', '»', '”', '"', '\'', '…'];

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric())).filter(|w| !w.is_empty())
}

/// A record's text, with what it is.
struct Text<'a> {
    plan: &'a str,
    record_type: FindingSubject,
    id: &'a str,
    document: &'a str,
    field: &'static str,
    text: Cow<'a, str>,
}

/// Only a text that ends without a closing mark can be cut.
fn is_open(text: &str) -> bool {
    let text = text.trim_end();
    !text.is_empty() && !text.ends_with(CLOSING)
}

/// The records' texts that end without a closing mark (the progress
/// updates' descriptions are read one at a time and copied only then).
fn open_texts(ds: &Dataset) -> Vec<Text<'_>> {
    let mut all = Vec::new();
    for c in &ds.commitments {
        let t = |field, text| Text {
            plan: &c.plan_id,
            record_type: FindingSubject::Commitment,
            id: &c.id,
            document: &c.source_document,
            field,
            text,
        };
        all.push(t("title", Cow::Borrowed(c.title.as_str())));
        if let Some(d) = &c.description {
            all.push(t("description", Cow::Borrowed(d.as_str())));
        }
    }
    for m in &ds.milestones {
        all.push(Text {
            plan: &m.plan_id,
            record_type: FindingSubject::Milestone,
            id: &m.id,
            document: &m.source_document,
            field: "description",
            text: Cow::Borrowed(&m.description),
        });
    }
    all.retain(|t| is_open(&t.text));
    let updates = &ds.progress_updates;
    for i in 0..updates.len() {
        let Some(text) = updates.with_description(i, |d| is_open(d).then(|| d.to_string())) else { continue };
        all.push(Text {
            plan: updates.plan_id(i),
            record_type: FindingSubject::ProgressUpdate,
            id: updates.id(i),
            document: updates.source_document(i),
            field: "description",
            text: Cow::Owned(text),
        });
    }
    all
}

/// What a document says about the words that end texts without a closing
/// mark (the candidates): how often each is written whole, and a longer word
/// each one begins that is not merely an inflection of it (a plural, a
/// feminine, an adverb).
struct Vocabulary<'a> {
    counts: HashMap<&'a str, usize>,
    longer: HashMap<&'a str, &'a str>,
}

impl<'a> Vocabulary<'a> {
    fn new(text: &'a str, candidates: &HashSet<&str>) -> Self {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let mut longer: HashMap<&str, &str> = HashMap::new();
        // Candidates have three characters or more: a word whose first
        // three bytes start no candidate is neither one nor longer than one.
        let starts: HashSet<&[u8]> = candidates.iter().map(|c| &c.as_bytes()[..3]).collect();
        for w in tokens(text) {
            if w.len() < 3 || !starts.contains(&w.as_bytes()[..3]) {
                continue;
            }
            if candidates.contains(w) {
                *counts.entry(w).or_default() += 1;
            }
            // Every shorter start of this word that is a candidate.
            for (cut, _) in w.char_indices().skip(1) {
                let start = &w[..cut];
                if candidates.contains(start) && !INFLECTIONS.contains(&&w[cut..]) {
                    longer.entry(start).or_insert(w);
                }
            }
        }
        Vocabulary { counts, longer }
    }

    fn longer(&self, w: &str) -> Option<&'a str> {
        self.longer.get(w).copied()
    }
}

/// Endings that turn a whole word into another whole word.
const INFLECTIONS: &[&str] = &["s", "es", "a", "as", "o", "os", "n", "mente"];

pub(super) fn cut_off(ds: &Dataset, out: &mut Out) {
    // The documents' words are counted only when there is an open text at all.
    let open = open_texts(ds);
    if open.is_empty() {
        return;
    }
    let candidates: HashSet<&str> =
        open.iter().filter_map(|t| tokens(t.text.trim_end()).last()).filter(|w| w.chars().count() >= 3).collect();
    let vocabularies: HashMap<&str, Vocabulary> =
        ds.source_documents.iter().map(|d| (d.id.as_str(), Vocabulary::new(&d.text, &candidates))).collect();
    // A word any document writes whole elsewhere is a word, not a cut.
    let whole = |w: &str, document: &str| vocabularies.iter().any(|(d, v)| *d != document && v.counts.contains_key(w));
    // How often each exact text occurs: copies of one text share its words
    // (copies of an open text are open too).
    let mut copies: HashMap<(&str, &str), usize> = HashMap::new();
    for t in &open {
        *copies.entry((t.document, &*t.text)).or_default() += 1;
    }
    for t in &open {
        let text = t.text.trim_end();
        let Some(voc) = vocabularies.get(t.document) else { continue };
        let Some(last) = tokens(text).last() else { continue };
        if last.chars().count() < 3 {
            continue;
        }
        let own = tokens(text).filter(|w| *w == last).count() * copies[&(t.document, &*t.text)];
        let elsewhere = voc.counts.get(last).copied().unwrap_or(0).saturating_sub(own);
        if elsewhere > 0 || whole(last, t.document) {
            continue;
        }
        let Some(longer) = voc.longer(last) else { continue };
        let tail: String = text.chars().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
        out.push_as(
            &format!("text_cut_off:{}:{}", t.id, t.field),
            Finding {
                kind: FindingKind::TextCutOff,
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
