//! A dataset's quality findings, held compactly: each row's six texts in
//! LZ4-compressed blocks ([`Blocks`]; the summaries are written from a few
//! templates and compress well), its sequence number, kind and subject
//! beside them. At scale 100 (195,000 findings) that is about 60 bytes a row
//! where a `QualityFindingRow` took about 700 (six `String`s). A row is made
//! when asked for ([`Findings::get`]).

use rayon::prelude::*;

use super::blocks::{Blocks, Place};
use crate::models::QualityFindingRow;
use crate::vocabulary::{FindingKind, FindingSubject};

/// A row's texts, in this order: id, plan, record, summaries (es, en), details.
const TEXTS: usize = 6;

#[derive(Clone, Copy, Debug)]
struct Entry {
    texts: Place<TEXTS>,
    seq: i32,
    kind: FindingKind,
    record_type: FindingSubject,
}

/// The quality findings, in order.
#[derive(Clone, Default)]
pub struct Findings {
    texts: Blocks,
    rows: Vec<Entry>,
}

impl std::fmt::Debug for Findings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Findings").field("rows", &self.rows.len()).finish()
    }
}

impl Findings {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Add a row at the end.
    pub fn push(&mut self, r: &QualityFindingRow) {
        let texts = [&*r.id, &r.plan_id, &r.record_id, &r.summary_es, &r.summary_en, &r.details];
        let texts = self.texts.push(texts);
        self.rows.push(Entry { texts, seq: r.seq, kind: r.kind, record_type: r.record_type });
    }

    /// Add `other`'s rows at the end, their texts copied as held (no row made).
    pub fn append(&mut self, other: &Findings) {
        for e in &other.rows {
            let texts = other.texts.with(&e.texts, |t| self.texts.push(t));
            self.rows.push(Entry { texts, ..*e });
        }
    }

    /// Row `i`, made. Panics past the end, as a slice does.
    pub fn get(&self, i: usize) -> QualityFindingRow {
        let e = &self.rows[i];
        let [id, plan_id, record_id, summary_es, summary_en, details] =
            self.texts.with(&e.texts, |t| t.map(str::to_string));
        QualityFindingRow {
            id,
            seq: e.seq,
            kind: e.kind,
            plan_id,
            record_type: e.record_type,
            record_id,
            summary_es,
            summary_en,
            details,
        }
    }

    /// Every row in order, each made as it is reached.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = QualityFindingRow> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Every row, made on all cores.
    pub fn par_iter(&self) -> impl IndexedParallelIterator<Item = QualityFindingRow> + '_ {
        (0..self.len()).into_par_iter().with_min_len(1024).map(|i| self.get(i))
    }

    /// `seq` is each row's place, from 1.
    pub fn renumber(&mut self) {
        for (i, e) in self.rows.iter_mut().enumerate() {
            e.seq = i as i32 + 1;
        }
    }
}

impl FromIterator<QualityFindingRow> for Findings {
    fn from_iter<I: IntoIterator<Item = QualityFindingRow>>(rows: I) -> Self {
        let mut out = Findings::default();
        rows.into_iter().for_each(|r| out.push(&r));
        out
    }
}

impl From<Vec<QualityFindingRow>> for Findings {
    fn from(rows: Vec<QualityFindingRow>) -> Self {
        rows.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_come_back_as_they_went_in() {
        let row = |n: usize| QualityFindingRow {
            id: format!("numbering_gap:gt-{n}"),
            seq: n as i32 + 1,
            kind: if n.is_multiple_of(2) { FindingKind::NumberingGap } else { FindingKind::TextCutOff },
            plan_id: format!("gt-{}", n / 10),
            record_type: if n.is_multiple_of(3) { FindingSubject::Plan } else { FindingSubject::Milestone },
            record_id: format!("gt-{n}"),
            summary_es: format!("El plan declara {n} compromisos; faltan los números {n}, ñ."),
            summary_en: format!("The plan states {n} commitments."),
            details: format!("{{\"listed\":{n}}}"),
        };
        let rows: Vec<QualityFindingRow> = (0..3000).map(row).collect();
        let mut held: Findings = rows.clone().into();
        assert_eq!(held.len(), rows.len());
        assert_eq!(held.iter().collect::<Vec<_>>(), rows);
        assert_eq!(held.par_iter().rev().collect::<Vec<_>>(), rows.iter().rev().cloned().collect::<Vec<_>>());
        for i in [2999, 0, 1500, 1] {
            assert_eq!(held.get(i), rows[i]);
        }
        let mut joined: Findings = rows[..10].to_vec().into();
        joined.append(&held);
        assert_eq!(joined.iter().skip(10).collect::<Vec<_>>(), rows);
        held.rows.swap(0, 1);
        held.renumber();
        assert_eq!((held.get(0).seq, held.get(0).id.as_str()), (1, "numbering_gap:gt-1"));
    }
}
