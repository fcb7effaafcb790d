//! Writing the canonical format: from a dataset in memory, or from the
//! database (`export`). The output is deterministic, so export → import →
//! export gives byte-identical files, and the content hash is taken over it.

use std::io::Write;
use std::path::Path;

use diesel::prelude::*;

use super::canonical::TABLES;
use super::dataset::Dataset;
use crate::db::DbConnection;
use crate::models::*;
use crate::percent::format_hundredths;
use crate::schema::*;
use crate::vocabulary::{RoleOrigin, Vocabulary};

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn name(v: Option<impl Vocabulary>) -> String {
    v.map(|v| v.as_str().to_string()).unwrap_or_default()
}

fn int(v: Option<i32>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn pct(v: Option<i32>) -> String {
    v.map(format_hundredths).unwrap_or_default()
}

/// Why canonical files could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir { dir: std::path::PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: std::path::PathBuf, source: std::io::Error },
}

/// The canonical files of a dataset: (file name, bytes), in `TABLES` order.
pub fn serialize(ds: &Dataset) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (file, _, columns) in TABLES {
        let mut bytes = Vec::new();
        write_file(ds, file, columns, &mut bytes).expect("in-memory write");
        out.push((file.to_string(), bytes));
    }
    out
}

/// Write one canonical file of a dataset (`file` and `columns` as in
/// `TABLES`) row by row into `out`: no table is copied whole on the way.
pub fn write_file(ds: &Dataset, file: &str, columns: &[&str], out: impl std::io::Write) -> csv::Result<()> {
    let rows: Box<dyn Iterator<Item = Vec<String>> + '_> = match file {
        "source_documents.csv" => {
            Box::new(ds.source_documents.iter().map(|r| {
                vec![r.id.clone(), r.file_name.clone(), r.title.clone(), opt(&r.description), r.sha256.clone()]
            }))
        }
        "institutions.csv" => Box::new(ds.institutions.iter().map(|r| {
            vec![
                r.id.clone(),
                r.name.clone(),
                opt(&r.acronym),
                r.kind.to_string(),
                opt(&r.parent_id),
                r.source_document.clone(),
                r.source_location.clone(),
            ]
        })),
        "institution_aliases.csv" => {
            Box::new(ds.aliases.iter().map(|r| vec![r.institution_id.clone(), r.alias.clone(), r.in_text.to_string()]))
        }
        "plans.csv" => Box::new(ds.plans.iter().map(|r| {
            vec![
                r.id.clone(),
                r.title.clone(),
                r.short_name.clone(),
                r.country.clone(),
                r.kind.to_string(),
                opt(&r.period_start),
                opt(&r.period_end),
                opt(&r.objective),
                opt(&r.description),
                int(r.stated_commitment_total),
                int(r.published_milestones_not_started),
                int(r.published_milestones_started),
                int(r.published_milestones_completed),
                r.source_document.clone(),
                r.source_location.clone(),
            ]
        })),
        "plan_sections.csv" => Box::new(ds.sections.iter().map(|r| {
            vec![
                r.id.clone(),
                r.plan_id.clone(),
                r.kind.clone(),
                r.title.clone(),
                r.body.clone(),
                r.source_document.clone(),
                r.source_location.clone(),
            ]
        })),
        "plan_participants.csv" => Box::new(ds.participants.iter().map(|r| {
            vec![
                r.id.clone(),
                r.plan_id.clone(),
                r.name.clone(),
                opt(&r.position),
                opt(&r.institution_id),
                r.source_document.clone(),
                r.source_location.clone(),
            ]
        })),
        "plan_risks.csv" => Box::new(ds.risks.iter().map(|r| {
            vec![
                r.id.clone(),
                r.plan_id.clone(),
                r.scenario.clone(),
                opt(&r.warning_signs),
                opt(&r.preventive_actions),
                opt(&r.damage_reduction),
                opt(&r.adjustments),
                r.source_document.clone(),
                r.source_location.clone(),
            ]
        })),
        "commitments.csv" => Box::new(ds.commitments.iter().map(|r| {
            vec![
                r.id.clone(),
                r.plan_id.clone(),
                r.number.clone(),
                r.title.clone(),
                opt(&r.description),
                pct(r.reported_progress),
                opt(&r.reported_progress_raw),
                r.source_document.clone(),
                r.source_location.clone(),
            ]
        })),
        "milestones.csv" => Box::new(ds.milestones.iter().map(|r| {
            vec![
                r.id.clone(),
                r.commitment_id.clone(),
                r.code.clone(),
                r.description.clone(),
                r.expected_results.clone(),
                opt(&r.start_raw),
                opt(&r.start_date),
                name(r.start_precision),
                opt(&r.end_raw),
                opt(&r.end_date),
                name(r.end_precision),
                opt(&r.term),
                r.source_document.clone(),
                r.source_location.clone(),
            ]
        })),
        "progress_updates.csv" => Box::new(ds.progress_updates.iter().map(|r| {
            vec![
                r.id.clone(),
                r.milestone_id.clone(),
                r.position.to_string(),
                r.reported_at.clone(),
                r.description.clone(),
                pct(r.percent),
                opt(&r.percent_raw),
                r.verification_line.to_string(),
                opt(&r.verification),
                r.source_document.clone(),
                r.source_location.clone(),
            ]
        })),
        // Mentions found in the text are derived, not canonical.
        "institution_roles.csv" => Box::new(ds.roles.iter().filter(|r| r.origin == RoleOrigin::Curated).map(|r| {
            vec![
                r.institution_id.clone(),
                r.role.to_string(),
                name(r.participant_group),
                r.subject_type.to_string(),
                r.subject_id.clone(),
                r.source_document.clone(),
                r.source_location.clone(),
            ]
        })),
        "source_headings.csv" => Box::new(ds.headings.iter().map(|r| {
            vec![
                r.id.clone(),
                r.document_id.clone(),
                r.line.to_string(),
                r.kind.to_string(),
                r.level.to_string(),
                opt(&r.number),
                r.title.clone(),
                opt(&r.page),
                int(r.heading_line),
            ]
        })),
        "retired_ids.csv" => Box::new(ds.retired.iter().map(|r| vec![r.record_type.to_string(), r.record_id.clone()])),
        other => unreachable!("no writer for {other}"),
    };
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out);
    w.write_record(columns)?;
    for row in rows {
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// Write the canonical files into `dir` (created if needed), and the source
/// documents' files into `dir/sources/` unless they are already beside it.
pub fn write_dir(ds: &Dataset, dir: &Path) -> Result<(), WriteError> {
    let create = |dir: &Path| {
        std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir { dir: dir.to_path_buf(), source })
    };
    create(dir)?;
    // Each file goes straight to disk, row by row, under a temporary name.
    let sources: Vec<&SourceDocumentRow> = ds
        .source_documents
        .iter()
        .filter(|d| {
            let existing = super::canonical::source_path(dir, &d.file_name);
            !d.text.is_empty() && !std::fs::read(&existing).is_ok_and(|b| b == d.text.as_bytes())
        })
        .collect();
    if !sources.is_empty() {
        create(&dir.join("sources"))?;
    }
    crate::progress::begin(crate::progress::Step::Files, (TABLES.len() + sources.len()) as u64);
    for (file, _, columns) in TABLES {
        write_atomically(&dir.join(file), |out| write_file(ds, file, columns, out).map_err(std::io::Error::from))?;
    }
    for d in sources {
        write_atomically(&dir.join("sources").join(&d.file_name), |out| out.write_all(d.text.as_bytes()))?;
    }
    crate::progress::finish(crate::progress::Step::Files);
    Ok(())
}

/// Write `path` through `fill` under a temporary name beside it, renamed
/// into place once complete.
fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    crate::progress::advance(crate::progress::Step::Files, 1);
    let tmp = path.with_file_name(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
    let failed = |source| WriteError::Write { path: tmp.clone(), source };
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(failed)?);
    fill(&mut out).and_then(|_| out.flush()).map_err(failed)?;
    drop(out);
    std::fs::rename(&tmp, path).map_err(|source| WriteError::Write { path: path.to_path_buf(), source })
}

/// The dataset currently in the database.
pub fn load(conn: &mut DbConnection) -> QueryResult<Dataset> {
    Ok(Dataset {
        source_documents: source_documents::table
            .order(source_documents::seq)
            .select(SourceDocumentRow::as_select())
            .load(conn)?,
        institutions: institutions::table.order(institutions::seq).select(InstitutionRow::as_select()).load(conn)?,
        aliases: institution_aliases::table
            .order(institution_aliases::seq)
            .select(InstitutionAliasRow::as_select())
            .load(conn)?,
        plans: plans::table.order(plans::seq).select(PlanRow::as_select()).load(conn)?,
        sections: plan_sections::table.order(plan_sections::seq).select(PlanSectionRow::as_select()).load(conn)?,
        participants: plan_participants::table
            .order(plan_participants::seq)
            .select(PlanParticipantRow::as_select())
            .load(conn)?,
        risks: plan_risks::table.order(plan_risks::seq).select(PlanRiskRow::as_select()).load(conn)?,
        commitments: commitments::table.order(commitments::seq).select(CommitmentRow::as_select()).load(conn)?,
        milestones: milestones::table.order(milestones::seq).select(MilestoneRow::as_select()).load(conn)?,
        progress_updates: progress_updates::table
            .order(progress_updates::seq)
            .select(ProgressUpdateRow::as_select())
            .load::<ProgressUpdateRow>(conn)?
            .into(),
        roles: institution_roles::table
            .order(institution_roles::seq)
            .select(InstitutionRoleRow::as_select())
            .load(conn)?,
        headings: source_headings::table
            .order(source_headings::seq)
            .select(SourceHeadingRow::as_select())
            .load(conn)?,
        retired: retired_ids::table.order(retired_ids::seq).select(RetiredIdRow::as_select()).load(conn)?,
        plan_rollups: institution_plan_rollups::table
            .order(institution_plan_rollups::seq)
            .select(InstitutionPlanRollupRow::as_select())
            .load(conn)?,
        findings: quality_findings::table
            .order(quality_findings::seq)
            .select(QualityFindingRow::as_select())
            .load::<QualityFindingRow>(conn)?
            .into(),
    })
}
