//! The dataset in memory: every table's rows, validated, derived columns filled.

use super::findings::Findings;
use super::updates::ProgressUpdates;
use crate::models::*;

/// Everything in a canonical directory, validated, with derived columns filled.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub source_documents: Vec<SourceDocumentRow>,
    pub institutions: Vec<InstitutionRow>,
    pub aliases: Vec<InstitutionAliasRow>,
    pub plans: Vec<PlanRow>,
    pub sections: Vec<PlanSectionRow>,
    pub participants: Vec<PlanParticipantRow>,
    pub risks: Vec<PlanRiskRow>,
    pub commitments: Vec<CommitmentRow>,
    pub milestones: Vec<MilestoneRow>,
    /// Held compactly, each row made when read (a million at scale 100).
    pub progress_updates: ProgressUpdates,
    pub roles: Vec<InstitutionRoleRow>,
    pub headings: Vec<SourceHeadingRow>,
    pub retired: Vec<RetiredIdRow>,
    /// Derived: each institution's rollups per plan.
    pub plan_rollups: Vec<InstitutionPlanRollupRow>,
    /// Derived: computed by `quality::compute`; held compactly, each row made when read.
    pub findings: Findings,
}

impl Dataset {
    /// Rows in every table of the dataset.
    pub fn row_count(&self) -> usize {
        self.source_documents.len()
            + self.institutions.len()
            + self.aliases.len()
            + self.plans.len()
            + self.sections.len()
            + self.participants.len()
            + self.risks.len()
            + self.commitments.len()
            + self.milestones.len()
            + self.progress_updates.len()
            + self.roles.len()
            + self.headings.len()
            + self.retired.len()
            + self.plan_rollups.len()
            + self.findings.len()
    }
}
