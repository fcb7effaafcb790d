//! The people's names of the published fields, filters and closed-list
//! values (`data/labels.csv`), in Spanish and English, compiled in: what a
//! page shows instead of `reported_progress` or `not_started`. The API keeps
//! its stable English field names.

use std::collections::HashMap;
use std::sync::LazyLock;

/// One field's (or value's) names and, for filters, a line of help.
#[derive(Debug, Clone)]
pub struct Label {
    pub es: String,
    pub en: String,
    pub help_es: String,
    pub help_en: String,
}

pub const SOURCE: &str = include_str!("../../data/labels.csv");

static LABELS: LazyLock<HashMap<String, Label>> = LazyLock::new(|| {
    let mut rdr = csv::Reader::from_reader(SOURCE.as_bytes());
    rdr.records()
        .map(|r| {
            let r = r.expect("data/labels.csv is valid CSV");
            let label = Label {
                es: r[1].to_string(),
                en: r[2].to_string(),
                help_es: r[3].to_string(),
                help_en: r[4].to_string(),
            };
            (r[0].to_string(), label)
        })
        .collect()
});

/// The label of field or filter `name` (the last part of a dotted name).
pub fn field(name: &str) -> Option<&'static Label> {
    LABELS.get(name).or_else(|| LABELS.get(name.rsplit('.').next().unwrap_or(name)))
}

/// The Spanish label of a CSV column (a dotted name joins its parts' labels
/// with ` › `), or the name itself when it has none.
pub fn spanish(name: &str) -> String {
    name.split('.')
        .map(|part| field(part).map(|l| l.es.clone()).unwrap_or_else(|| part.to_string()))
        .collect::<Vec<_>>()
        .join(" › ")
}

/// The label of a closed-list value (`not_started`, `government`, a finding kind…).
pub fn value(value: &str) -> Option<&'static Label> {
    LABELS.get(&format!("value:{value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_both_names_and_help_in_both_languages_or_neither() {
        let mut rdr = csv::Reader::from_reader(SOURCE.as_bytes());
        let mut seen = std::collections::HashSet::new();
        for r in rdr.records() {
            let r = r.unwrap();
            assert_eq!(r.len(), 5, "{r:?}");
            assert!(seen.insert(r[0].to_string()), "{} twice", &r[0]);
            assert!(!r[1].is_empty() && !r[2].is_empty(), "{} lacks a name", &r[0]);
            assert_eq!(r[3].is_empty(), r[4].is_empty(), "{}: help in one language only", &r[0]);
        }
        assert_eq!(field("rollup.average_progress").unwrap().es, "Avance promedio (%)");
        assert_eq!(value("not_started").unwrap().es, "no iniciado");
        assert!(value("nothing_like_this").is_none());
    }

    #[test]
    fn every_closed_list_value_has_a_label() {
        use crate::vocabulary::*;
        let lists: &[&[&str]] = &[
            Status::NAMES,
            InstitutionKind::NAMES,
            PlanKind::NAMES,
            Role::NAMES,
            FindingKind::NAMES,
            FindingSubject::NAMES,
        ];
        for v in lists.iter().flat_map(|l| l.iter()) {
            assert!(value(v).is_some(), "no label for value {v}");
        }
        for k in FindingKind::NAMES {
            assert!(!value(k).unwrap().help_es.is_empty(), "finding kind {k} has no explanation");
        }
    }

    #[test]
    fn every_public_column_of_the_dictionary_has_a_label() {
        for c in crate::publication::dictionary::COLUMNS.iter().filter(|c| c.public) {
            assert!(field(&c.column).is_some(), "no label for {}.{}", c.table, c.column);
        }
    }
}
