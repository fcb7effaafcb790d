//! Data-quality findings, computed from the data on every import (never
//! typed in): where what the sources report and what they contain disagree,
//! and where the sources themselves are incomplete. Each kind is explained in
//! [`FindingKind`] and tested on the real case and on a similar legitimate one.

mod records;
mod text;
mod updates;

use serde_json::Value;

use super::dataset::Dataset;
use super::findings::Findings;
use crate::models::QualityFindingRow;
pub use crate::vocabulary::{FindingKind, FindingSubject};

/// The names of every kind of finding (see [`FindingKind`]).
pub const KINDS: &[&str] = FindingKind::NAMES;

/// Findings as they are found; ids are `kind:record_id` (with a suffix
/// when a record has several of a kind), held compactly as they come.
#[derive(Default)]
pub(crate) struct Out(Findings);

pub(crate) struct Finding<'a> {
    pub kind: FindingKind,
    pub plan: &'a str,
    pub record_type: FindingSubject,
    pub record_id: &'a str,
    pub es: String,
    pub en: String,
    pub details: Value,
}

impl Out {
    pub(crate) fn push(&mut self, f: Finding<'_>) {
        self.push_as(&format!("{}:{}", f.kind, f.record_id), f);
    }

    pub(crate) fn push_as(&mut self, id: &str, f: Finding<'_>) {
        self.0.push(&QualityFindingRow {
            id: id.to_string(),
            seq: 0,
            kind: f.kind,
            plan_id: f.plan.into(),
            record_type: f.record_type,
            record_id: f.record_id.into(),
            summary_es: f.es,
            summary_en: f.en,
            details: f.details.to_string(),
        });
    }
}

pub(crate) fn list_es(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} y {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

pub(crate) fn list_en(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// Every finding of the dataset: plans first, then records, each group in
/// source order.
pub fn compute(ds: &Dataset) -> Findings {
    let started = std::time::Instant::now();
    let mut out = Out::default();
    records::plans(ds, &mut out);
    records::milestones(ds, &mut out);
    log::debug!("quality: plans and milestones in {:.2} s", started.elapsed().as_secs_f64());
    updates::check(ds, &mut out);
    log::debug!("quality: updates in {:.2} s", started.elapsed().as_secs_f64());
    text::cut_off(ds, &mut out);
    log::debug!("quality: text cut off in {:.2} s", started.elapsed().as_secs_f64());
    let mut rows = out.0;
    rows.renumber();
    rows
}
