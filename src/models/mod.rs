//! Table row types (what diesel reads and writes) and the queries over them.
//! What clients receive is defined apart, in `crate::views`.

pub mod change;
pub mod commitment;
pub mod institution;
pub mod list;
pub mod milestone;
pub mod names;
pub mod parents;
pub mod plan;
pub mod progress_update;
pub mod quality_finding;
pub mod revision;
pub mod search;
pub mod sitemap;
pub mod source_document;

pub use commitment::CommitmentRow;
pub use institution::{InstitutionAliasRow, InstitutionPlanRollupRow, InstitutionRoleRow, InstitutionRow};
pub use milestone::MilestoneRow;
pub use plan::{PlanParticipantRow, PlanRiskRow, PlanRow, PlanSectionRow};
pub use progress_update::ProgressUpdateRow;
pub use quality_finding::QualityFindingRow;
pub use revision::RevisionRow;
pub use source_document::{RetiredIdRow, SourceDocumentRow, SourceHeadingRow};
