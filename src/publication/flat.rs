//! Flat tables for people: one row per commitment, milestone and progress
//! update with everything needed to read it (plan title, commitment number
//! and title, milestone code and text, institutions by name and acronym),
//! built from the published normalised tables, so that a spreadsheet answers
//! a question without lookups across sheets. Their columns are in the data
//! dictionary like every other table's.

use std::collections::HashMap;

use super::Cell;

use super::Published;

/// The flat tables, after the normalised ones.
pub const FLAT_TABLES: &[&str] = &["flat_commitments", "flat_milestones", "flat_progress_updates"];

/// A published table's rows as maps from column name to cell.
struct Table<'a> {
    columns: HashMap<&'a str, usize>,
    rows: &'a [Vec<Cell>],
}

impl<'a> Table<'a> {
    fn of(tables: &'a [Published], name: &str) -> Table<'a> {
        match tables.iter().find(|t| t.table == name) {
            Some(t) => {
                Table { columns: t.columns.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect(), rows: &t.rows }
            }
            None => Table { columns: HashMap::new(), rows: &[] },
        }
    }

    fn get<'r>(&self, row: &'r [Cell], column: &str) -> &'r Cell {
        self.columns.get(column).and_then(|&i| row.get(i)).unwrap_or(&Cell::Null)
    }

    fn text<'r>(&self, row: &'r [Cell], column: &str) -> &'r str {
        self.get(row, column).as_str().unwrap_or("")
    }

    /// Rows by their `id`.
    fn by_id(&self) -> HashMap<&'a str, &'a [Cell]> {
        self.rows.iter().map(|r| (self.text(r, "id"), r.as_slice())).collect()
    }
}

/// Institutions of each record by role, as `Name (ACRONYM)` joined with ` | `.
/// Each list is joined once and shared by every row that shows it.
struct Roles {
    by_subject: HashMap<(String, String, bool), Cell>,
}

impl Roles {
    fn new(tables: &[Published]) -> Roles {
        let institutions = Table::of(tables, "institutions");
        let names: HashMap<&str, String> = institutions
            .rows
            .iter()
            .map(|r| {
                let name = institutions.text(r, "name");
                let label = match institutions.text(r, "acronym") {
                    "" => name.to_string(),
                    acronym => format!("{name} ({acronym})"),
                };
                (institutions.text(r, "id"), label)
            })
            .collect();
        let roles = Table::of(tables, "institution_roles");
        let mut by_subject: HashMap<(String, String, bool), Vec<String>> = HashMap::new();
        for r in roles.rows {
            let role = roles.text(r, "role");
            if role == "mentioned" {
                continue;
            }
            let Some(name) = names.get(roles.text(r, "institution_id")) else { continue };
            let key = (
                roles.text(r, "subject_type").to_string(),
                roles.text(r, "subject_id").to_string(),
                role == "responsible",
            );
            let list = by_subject.entry(key).or_default();
            if !list.contains(name) {
                list.push(name.clone());
            }
        }
        Roles { by_subject: by_subject.into_iter().map(|(k, names)| (k, Cell::from(names.join(" | ")))).collect() }
    }

    /// The responsible institutions (or every other one taking part).
    fn of(&self, subject_type: &str, id: &str, responsible: bool) -> Cell {
        self.by_subject.get(&(subject_type.to_string(), id.to_string(), responsible)).cloned().unwrap_or(Cell::Null)
    }
}

/// `reported − computed` in percentage points, exact to the hundredth; none
/// unless both are there.
fn gap(reported: &Cell, computed: &Cell) -> Cell {
    let hundredths = |v: &Cell| v.as_f64().map(|x| (x * 100.0).round() as i32);
    match (hundredths(reported), hundredths(computed)) {
        (Some(r), Some(c)) => Cell::Number(crate::percent::to_number(r - c)),
        _ => Cell::Null,
    }
}

/// The flat tables of the published normalised ones, in [`FLAT_TABLES`] order,
/// with the dictionary's columns.
pub fn flat(tables: &[Published]) -> Vec<Published> {
    let plans = Table::of(tables, "plans");
    let commitments = Table::of(tables, "commitments");
    let milestones = Table::of(tables, "milestones");
    let updates = Table::of(tables, "progress_updates");
    let (plan_by_id, commitment_by_id, milestone_by_id) = (plans.by_id(), commitments.by_id(), milestones.by_id());
    let roles = Roles::new(tables);
    let plan_title = |id: &str| plan_by_id.get(id).map_or(Cell::Null, |p| plans.get(p, "title").clone());
    let commitment =
        |id: &str, column: &str| commitment_by_id.get(id).map_or(Cell::Null, |c| commitments.get(c, column).clone());
    let milestone =
        |id: &str, column: &str| milestone_by_id.get(id).map_or(Cell::Null, |m| milestones.get(m, column).clone());
    FLAT_TABLES
        .iter()
        .map(|&table| {
            let columns: Vec<String> = super::dictionary::public(table).iter().map(|c| c.column.clone()).collect();
            let (source, subject) = match table {
                "flat_commitments" => (&commitments, "commitment"),
                "flat_milestones" => (&milestones, "milestone"),
                _ => (&updates, "progress_update"),
            };
            let rows = source
                .rows
                .iter()
                .map(|r| {
                    let id = source.text(r, "id");
                    let (plan, commitment_id) = (source.text(r, "plan_id"), source.text(r, "commitment_id"));
                    let milestone_id = source.text(r, "milestone_id");
                    columns
                        .iter()
                        .map(|c| match (subject, c.as_str()) {
                            (_, "plan_title") => plan_title(plan),
                            (_, "commitment_number") => commitment(commitment_id, "number"),
                            (_, "commitment_title") => commitment(commitment_id, "title"),
                            ("commitment", "responsible_institutions") => roles.of("commitment", id, true),
                            ("commitment", "other_institutions") => roles.of("commitment", id, false),
                            ("commitment", "reported_minus_computed") => {
                                gap(source.get(r, "reported_progress"), source.get(r, "computed_progress"))
                            }
                            ("milestone", "responsible_institutions") => roles.of("milestone", id, true),
                            ("milestone", "other_institutions") => roles.of("milestone", id, false),
                            ("progress_update", "milestone_code") => milestone(milestone_id, "code"),
                            ("progress_update", "milestone_description") => milestone(milestone_id, "description"),
                            ("progress_update", "milestone_end_date") => milestone(milestone_id, "end_date"),
                            ("progress_update", "milestone_status") => milestone(milestone_id, "status"),
                            ("progress_update", "responsible_institutions") => {
                                roles.of("milestone", milestone_id, true)
                            }
                            (_, other) => source.get(r, other).clone(),
                        })
                        .collect()
                })
                .collect();
            Published { table, columns, rows }
        })
        .collect()
}
