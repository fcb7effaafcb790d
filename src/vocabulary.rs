//! The dataset's vocabulary, in one place: the values that the importer
//! writes, the API filters on and the data dictionary documents.

/// Progress status of a milestone or commitment.
///
/// - `no_data`: the source publishes no progress for the record's plan;
///   no percentage is shown and the record counts in no average.
/// - `not_started`: the plan's progress is tracked and the record has no
///   progress update (the tracking platform lists it as not started).
/// - `started`: at least one progress update, the latest below 100 %.
/// - `completed`: the latest progress update (by its time) says 100 %.
pub const STATUSES: &[&str] = &["not_started", "started", "completed", "no_data"];

/// An institution's part in a record. `mentioned`: the record's text names
/// the institution (and nothing more is claimed).
pub const ROLES: &[&str] = &["responsible", "participating", "involved", "partner", "mentioned"];

/// Where a role comes from: `curated` (typed in the canonical files from the
/// source), `structure` (a list of a tracking-platform report), `text` (the
/// institution's name or alias found in the record's text by the importer).
pub const ROLE_ORIGINS: &[&str] = &["curated", "structure", "text"];

/// Record types that can hold an institution role or mention.
pub const ROLE_SUBJECTS: &[&str] =
    &["plan", "plan_section", "plan_participant", "plan_risk", "commitment", "milestone", "progress_update"];

/// Kinds of source-document headings.
pub const HEADING_KINDS: &[&str] = &["title", "heading", "toc_entry"];
