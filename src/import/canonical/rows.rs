//! Every canonical file's rows typed: each value parsed into its column's
//! type, each bad value a problem (the row is kept, so that one pass
//! reports every problem in the folder).

use std::collections::HashSet;
use std::path::Path;

use super::record::{read_each, RawRow, Record};
use super::{Dataset, Problem, TABLES};
use crate::import::updates::ProgressUpdates;
use crate::models::*;
use crate::vocabulary::*;

/// The typed rows of every table (`take` hands over a file's rows), and
/// the roles whose `subject_type` was refused: their `subject_id` is
/// checked against no type (see `checks::check_references`).
pub(super) fn typed(
    take: &mut impl FnMut(&'static str) -> Vec<RawRow>,
    updates: ProgressUpdates,
    p: &mut Vec<Problem>,
) -> (Dataset, HashSet<i32>) {
    let mut ds = Dataset::default();
    macro_rules! each {
        ($file:expr, |$r:ident, $seq:ident| $body:block) => {{
            // A list, or the progress updates' compact table.
            let mut out = Default::default();
            let columns = TABLES.iter().find(|(f, _, _)| *f == $file).map_or(&[][..], |(_, _, c)| *c);
            for (i, (line, values)) in take($file).into_iter().enumerate() {
                let $seq = i as i32 + 1;
                let mut $r = Record { file: $file, line, columns, values, problems: p };
                Extend::extend(&mut out, Some($body));
            }
            out
        }};
    }

    ds.source_documents = each!("source_documents.csv", |r, seq| {
        SourceDocumentRow {
            id: r.req("id"),
            seq,
            file_name: r.req("file_name"),
            title: r.req("title"),
            description: r.opt("description"),
            sha256: r.req("sha256"),
            text: String::new(),
            line_count: 0,
        }
    });
    ds.institutions = each!("institutions.csv", |r, seq| {
        let (sd, sl) = r.source();
        InstitutionRow {
            id: r.req("id"),
            seq,
            name: r.req("name"),
            name_key: String::new(),
            acronym: r.opt("acronym"),
            kind: r.one_of::<InstitutionKind>("kind", true).unwrap_or_default(),
            parent_id: r.opt("parent_id"),
            source_document: sd,
            source_location: sl,
            commitment_count: 0,
            milestone_count: 0,
            completed_milestone_count: 0,
            average_progress: None,
            search_text: String::new(),
            name_in_sources: false,
            acronym_in_sources: None,
            started_milestone_count: 0,
            not_started_milestone_count: 0,
            no_data_milestone_count: 0,
            overdue_milestone_count: 0,
            average_progress_milestones: 0,
        }
    });
    ds.aliases = each!("institution_aliases.csv", |r, seq| {
        InstitutionAliasRow {
            institution_id: r.req("institution_id"),
            alias: r.req("alias"),
            seq,
            in_text: r.boolean("in_text"),
            in_sources: false,
        }
    });
    ds.plans = each!("plans.csv", |r, seq| {
        let (sd, sl) = r.source();
        let country = r.req("country");
        if !country.is_empty() && (country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase())) {
            r.problem("country", format!("`{country}` is not an ISO 3166-1 alpha-2 code"));
        }
        PlanRow {
            id: r.req("id"),
            seq,
            title: r.req("title"),
            short_name: r.req("short_name"),
            country,
            kind: r.one_of::<PlanKind>("kind", true).unwrap_or_default(),
            period_start: r.period("period_start"),
            period_end: r.period("period_end"),
            objective: r.opt("objective"),
            description: r.opt("description"),
            stated_commitment_total: r.int("stated_commitment_total"),
            published_milestones_not_started: r.int("published_milestones_not_started"),
            published_milestones_started: r.int("published_milestones_started"),
            published_milestones_completed: r.int("published_milestones_completed"),
            source_document: sd,
            source_location: sl,
            commitment_count: 0,
            milestone_count: 0,
            milestones_not_started: 0,
            milestones_started: 0,
            milestones_completed: 0,
            progress_update_count: 0,
            search_text: String::new(),
            tracks_progress: false,
            progress_as_of: None,
            milestones_no_data: 0,
            milestones_overdue: 0,
            computed_progress: None,
            computed_progress_milestones: None,
            title_in_sources: false,
        }
    });
    ds.sections = each!("plan_sections.csv", |r, seq| {
        let (sd, sl) = r.source();
        PlanSectionRow {
            id: r.req("id"),
            plan_id: r.req("plan_id"),
            seq,
            kind: r.req("kind"),
            title: r.req("title"),
            body: r.req("body"),
            source_document: sd,
            source_location: sl,
            search_text: String::new(),
            title_in_sources: false,
        }
    });
    ds.participants = each!("plan_participants.csv", |r, seq| {
        let (sd, sl) = r.source();
        PlanParticipantRow {
            id: r.req("id"),
            plan_id: r.req("plan_id"),
            seq,
            name: r.req("name"),
            position: r.opt("position"),
            institution_id: r.opt("institution_id"),
            source_document: sd,
            source_location: sl,
            search_text: String::new(),
        }
    });
    ds.risks = each!("plan_risks.csv", |r, seq| {
        let (sd, sl) = r.source();
        PlanRiskRow {
            id: r.req("id"),
            plan_id: r.req("plan_id"),
            seq,
            scenario: r.req("scenario"),
            warning_signs: r.opt("warning_signs"),
            preventive_actions: r.opt("preventive_actions"),
            damage_reduction: r.opt("damage_reduction"),
            adjustments: r.opt("adjustments"),
            source_document: sd,
            source_location: sl,
            search_text: String::new(),
        }
    });
    ds.commitments = each!("commitments.csv", |r, seq| {
        let (sd, sl) = r.source();
        CommitmentRow {
            id: r.req("id"),
            seq,
            plan_id: r.req("plan_id"),
            number: r.req("number"),
            title: r.req("title"),
            description: r.opt("description"),
            reported_progress: r.percent("reported_progress"),
            reported_progress_raw: r.opt("reported_progress_raw"),
            source_document: sd,
            source_location: sl,
            computed_progress: None,
            status: Status::default(),
            milestone_count: 0,
            search_text: String::new(),
            computed_progress_milestones: None,
        }
    });
    ds.milestones = each!("milestones.csv", |r, seq| {
        let (sd, sl) = r.source();
        MilestoneRow {
            id: r.req("id"),
            seq,
            commitment_id: r.req("commitment_id"),
            plan_id: String::new(),
            code: r.req("code"),
            description: r.req("description"),
            expected_results: r.json_list("expected_results"),
            start_raw: r.opt("start_raw"),
            start_date: r.date("start_date"),
            start_precision: r.one_of("start_precision", false),
            end_raw: r.opt("end_raw"),
            end_date: r.date("end_date"),
            end_precision: r.one_of("end_precision", false),
            term: r.opt("term"),
            source_document: sd,
            source_location: sl,
            status: Status::default(),
            latest_progress: None,
            latest_progress_at: None,
            progress_update_count: 0,
            search_text: String::new(),
            overdue: None,
        }
    });
    ds.progress_updates = updates;
    // Roles whose subject_type was refused: their subject_id is checked
    // against no type (see `check_references`).
    let mut untyped_roles: HashSet<i32> = HashSet::new();
    ds.roles = each!("institution_roles.csv", |r, seq| {
        let (sd, sl) = r.source();
        let institution_id = r.req("institution_id");
        let role = r.one_of::<Role>("role", true);
        let subject_type = r.one_of::<RoleSubject>("subject_type", true);
        let subject_id = r.req("subject_id");
        if subject_type.is_none() {
            untyped_roles.insert(seq);
        }
        // An invalid value is a problem already; the id leaves it empty.
        let (t, n) = (subject_type.map_or("", RoleSubject::as_str), role.map_or("", Role::as_str));
        InstitutionRoleRow {
            id: format!("{t}:{subject_id}:{n}:{institution_id}"),
            seq,
            institution_id,
            role: role.unwrap_or_default(),
            participant_group: r.one_of("participant_group", false),
            subject_type: subject_type.unwrap_or_default(),
            subject_id,
            plan_id: String::new(),
            source_document: sd,
            source_location: sl,
            origin: RoleOrigin::Curated,
        }
    });
    ds.headings = each!("source_headings.csv", |r, seq| {
        let line = r.int("line").unwrap_or(0);
        let level = r.int("level").unwrap_or(0);
        if line == 0 {
            r.problem("line", "is required: a line of the document, from 1");
        }
        SourceHeadingRow {
            id: r.req("id"),
            seq,
            document_id: r.req("document_id"),
            line,
            kind: r.one_of::<HeadingKind>("kind", true).unwrap_or_default(),
            level: level.max(1),
            number: r.opt("number"),
            title: r.req("title"),
            page: r.opt("page"),
            heading_line: r.int("heading_line"),
        }
    });
    ds.retired = each!("retired_ids.csv", |r, seq| {
        RetiredIdRow {
            record_type: r.one_of::<RetirableType>("record_type", true).unwrap_or_default(),
            record_id: r.req("record_id"),
            seq,
        }
    });
    (ds, untyped_roles)
}

/// The file of the progress updates, which are typed as they are read.
pub(super) const UPDATES: &str = "progress_updates.csv";

/// The progress updates, typed as they are read (a million rows at scale
/// 100 are never all held as text records), and each one's line.
pub(super) fn progress_updates(dir: &Path, p: &mut Vec<Problem>) -> (ProgressUpdates, Vec<usize>) {
    let (file, required, columns) = TABLES.iter().find(|(f, _, _)| *f == UPDATES).copied().expect("listed");
    let (mut out, mut lines) = (ProgressUpdates::default(), Vec::new());
    read_each(dir, file, required, columns, p, |line, values, problems| {
        let mut r = Record { file, line, columns, values, problems };
        out.push(progress_update(&mut r, out.len() as i32 + 1));
        lines.push(line);
    });
    (out, lines)
}

fn progress_update(r: &mut Record, seq: i32) -> ProgressUpdateRow {
    let (sd, sl) = r.source();
    let position = r.int("position");
    if position.is_none() {
        r.problem("position", "is required: the update's order within its milestone, from 1");
    }
    ProgressUpdateRow {
        id: r.req("id"),
        seq,
        milestone_id: r.req("milestone_id"),
        commitment_id: String::new(),
        plan_id: String::new(),
        position: position.unwrap_or(0),
        reported_at: r.timestamp("reported_at"),
        description: r.req("description"),
        percent: r.percent("percent"),
        percent_raw: r.opt("percent_raw"),
        verification_line: r.boolean("verification_line"),
        verification: r.opt("verification"),
        links: String::new(),
        source_document: sd,
        source_location: sl,
        search_text: String::new(),
    }
}
