//! Flat tables for people: one row per commitment, milestone and progress
//! update with everything needed to read it (plan title, commitment number
//! and title, milestone code and text, institutions by name and acronym),
//! built from the published normalised tables, so that a spreadsheet answers
//! a question without lookups across sheets. Their columns are in the data
//! dictionary like every other table's.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Cell, Published, Rows};

/// The flat tables, after the normalised ones.
pub const FLAT_TABLES: &[&str] = &["flat_commitments", "flat_milestones", "flat_progress_updates"];

/// A published table's rows and where each column is.
#[derive(Clone)]
struct Table<'a> {
    columns: HashMap<String, usize>,
    rows: Rows<'a>,
}

impl<'a> Table<'a> {
    fn of(tables: &[Published<'a>], name: &str) -> Table<'a> {
        match tables.iter().find(|t| t.table == name) {
            Some(t) => Table {
                columns: t.columns.iter().enumerate().map(|(i, c)| (c.clone(), i)).collect(),
                rows: t.rows.clone(),
            },
            None => Table { columns: HashMap::new(), rows: Vec::new().into() },
        }
    }

    fn at(&self, column: &str) -> Option<usize> {
        self.columns.get(column).copied()
    }
}

/// The cell at `at` of `row`, null when there is no such column.
fn get(row: &[Cell], at: Option<usize>) -> &Cell {
    at.and_then(|i| row.get(i)).unwrap_or(&Cell::Null)
}

fn text(row: &[Cell], at: Option<usize>) -> &str {
    get(row, at).as_str().unwrap_or("")
}

/// Institutions of each record by role, as `Name (ACRONYM)` joined with ` | `.
/// Each list is joined once and shared by every row that shows it.
struct Roles {
    /// By subject type, then other (0) or responsible (1): each subject's list.
    by_subject: HashMap<String, [HashMap<String, Cell>; 2]>,
}

impl Roles {
    fn new(tables: &[Published]) -> Roles {
        let institutions = Table::of(tables, "institutions");
        let (id, name, acronym) = (institutions.at("id"), institutions.at("name"), institutions.at("acronym"));
        let names: HashMap<String, String> = institutions
            .rows
            .iter()
            .map(|r| {
                let name = text(&r, name);
                let label = match text(&r, acronym) {
                    "" => name.to_string(),
                    acronym => format!("{name} ({acronym})"),
                };
                (text(&r, id).to_string(), label)
            })
            .collect();
        let roles = Table::of(tables, "institution_roles");
        let (role, institution) = (roles.at("role"), roles.at("institution_id"));
        let (subject_type, subject_id) = (roles.at("subject_type"), roles.at("subject_id"));
        let mut lists: HashMap<String, [HashMap<String, Vec<String>>; 2]> = HashMap::new();
        for r in roles.rows.iter() {
            let role = text(&r, role);
            if role == "mentioned" {
                continue;
            }
            let Some(name) = names.get(text(&r, institution)) else { continue };
            let list = lists.entry(text(&r, subject_type).to_string()).or_default()[usize::from(role == "responsible")]
                .entry(text(&r, subject_id).to_string())
                .or_default();
            if !list.contains(name) {
                list.push(name.clone());
            }
        }
        let joined = |subjects: HashMap<String, Vec<String>>| {
            subjects.into_iter().map(|(id, names)| (id, Cell::from(names.join(" | ")))).collect()
        };
        let by_subject =
            lists.into_iter().map(|(k, [other, responsible])| (k, [joined(other), joined(responsible)])).collect();
        Roles { by_subject }
    }

    /// The responsible institutions (or every other one taking part).
    fn of(&self, subject_type: &str, id: &str, responsible: bool) -> Cell {
        self.by_subject
            .get(subject_type)
            .and_then(|m| m[usize::from(responsible)].get(id))
            .cloned()
            .unwrap_or(Cell::Null)
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

/// Where a flat column's cell comes from.
#[derive(Clone, Copy)]
enum Pick {
    /// The record's own column (or null).
    Own(Option<usize>),
    PlanTitle,
    Commitment(Option<usize>),
    Milestone(Option<usize>),
    /// The institutions of the record (`false`: of its milestone), responsible or not.
    Roles {
        own: bool,
        responsible: bool,
    },
    Gap(Option<usize>, Option<usize>),
}

/// What the flat tables show of a parent table (its `shown` columns), by
/// the parent's id: only those cells are held, not the parent's rows
/// (at scale 100 the milestones' whole rows as cells took about 125 MB).
struct Parent {
    shown: &'static [&'static str],
    by_id: HashMap<Arc<str>, Box<[Cell]>>,
}

impl Parent {
    fn of(tables: &[Published], name: &str, shown: &'static [&'static str]) -> Parent {
        let table = Table::of(tables, name);
        let (id, ats) = (table.at("id"), shown.iter().map(|c| table.at(c)).collect::<Vec<_>>());
        let by_id = table
            .rows
            .iter()
            .filter_map(|r| match get(&r, id) {
                Cell::String(id) => Some((id.clone(), ats.iter().map(|&at| get(&r, at).clone()).collect())),
                _ => None,
            })
            .collect();
        Parent { shown, by_id }
    }

    /// Where `column` is among the shown cells.
    fn at(&self, column: &str) -> Option<usize> {
        self.shown.iter().position(|c| *c == column)
    }

    fn cell(&self, id: &str, at: Option<usize>) -> Cell {
        self.by_id.get(id).and_then(|cells| cells.get(at?)).cloned().unwrap_or(Cell::Null)
    }
}

/// How one flat table's rows are made from its record's row and its parents'.
struct Flat<'a> {
    source: Table<'a>,
    subject: &'static str,
    picks: Vec<Pick>,
    /// The record's `id`, `plan_id`, `commitment_id` and `milestone_id` columns.
    keys: [Option<usize>; 4],
    plans: Arc<Parent>,
    commitments: Arc<Parent>,
    milestones: Arc<Parent>,
    roles: Arc<Roles>,
}

impl Flat<'_> {
    fn row(&self, i: usize) -> Vec<Cell> {
        let r = self.source.rows.get(i);
        let [id, plan, commitment, milestone] = self.keys.map(|at| text(&r, at));
        self.picks
            .iter()
            .map(|pick| match *pick {
                Pick::Own(at) => get(&r, at).clone(),
                Pick::PlanTitle => self.plans.cell(plan, self.plans.at("title")),
                Pick::Commitment(at) => self.commitments.cell(commitment, at),
                Pick::Milestone(at) => self.milestones.cell(milestone, at),
                Pick::Roles { own: true, responsible } => self.roles.of(self.subject, id, responsible),
                Pick::Roles { own: false, responsible } => self.roles.of("milestone", milestone, responsible),
                Pick::Gap(reported, computed) => gap(get(&r, reported), get(&r, computed)),
            })
            .collect()
    }
}

/// The flat tables of the published normalised ones, in [`FLAT_TABLES`]
/// order, with the dictionary's columns; their rows are made when read
/// (a flat row shares its texts with the rows it is made of).
pub fn flat<'a>(tables: &[Published<'a>]) -> Vec<Published<'a>> {
    let plans = Arc::new(Parent::of(tables, "plans", &["title"]));
    let commitments = Arc::new(Parent::of(tables, "commitments", &["number", "title"]));
    let milestones = Arc::new(Parent::of(tables, "milestones", &["code", "description", "end_date", "status"]));
    let roles = Arc::new(Roles::new(tables));
    FLAT_TABLES
        .iter()
        .map(|&table| {
            let columns: Vec<String> = super::dictionary::public(table).iter().map(|c| c.column.clone()).collect();
            let (source, subject) = match table {
                "flat_commitments" => (Table::of(tables, "commitments"), "commitment"),
                "flat_milestones" => (Table::of(tables, "milestones"), "milestone"),
                _ => (Table::of(tables, "progress_updates"), "progress_update"),
            };
            let picks = columns
                .iter()
                .map(|c| match (subject, c.as_str()) {
                    (_, "plan_title") => Pick::PlanTitle,
                    (_, "commitment_number") => Pick::Commitment(commitments.at("number")),
                    (_, "commitment_title") => Pick::Commitment(commitments.at("title")),
                    ("commitment" | "milestone", "responsible_institutions") => {
                        Pick::Roles { own: true, responsible: true }
                    }
                    ("commitment" | "milestone", "other_institutions") => Pick::Roles { own: true, responsible: false },
                    ("commitment", "reported_minus_computed") => {
                        Pick::Gap(source.at("reported_progress"), source.at("computed_progress"))
                    }
                    ("progress_update", "milestone_code") => Pick::Milestone(milestones.at("code")),
                    ("progress_update", "milestone_description") => Pick::Milestone(milestones.at("description")),
                    ("progress_update", "milestone_end_date") => Pick::Milestone(milestones.at("end_date")),
                    ("progress_update", "milestone_status") => Pick::Milestone(milestones.at("status")),
                    ("progress_update", "responsible_institutions") => Pick::Roles { own: false, responsible: true },
                    (_, other) => Pick::Own(source.at(other)),
                })
                .collect();
            let keys = ["id", "plan_id", "commitment_id", "milestone_id"].map(|k| source.at(k));
            let flat = Flat {
                picks,
                keys,
                subject,
                plans: plans.clone(),
                commitments: commitments.clone(),
                milestones: milestones.clone(),
                roles: roles.clone(),
                source,
            };
            let rows = Rows::made(flat.source.rows.len(), move |i| flat.row(i));
            Published { table, columns, rows }
        })
        .collect()
}
