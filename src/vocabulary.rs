//! The dataset's vocabulary, in one place: every closed list of values that
//! the importer reads and writes, the database stores, the API filters on,
//! CSV and JSON carry and the OpenAPI document lists as an `enum`.
//!
//! Each list is an enum declared once with `vocabulary!`: its values' names
//! (`as_str`, `NAMES`, `Display`), parsing (`FromStr`, serde), its OpenAPI
//! schema and its storage in a text column. A value outside the list is
//! refused with [`NotOneOf`]: "must be one of: a, b, c". Table rows hold the
//! enums too, read and written through diesel's `FromSql`/`ToSql` on the text
//! column (on both engines), so a value is checked where it enters and the
//! view types copy it instead of trusting a string.

use std::fmt;

/// A value outside a closed list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", must_be_one_of(.allowed))]
pub struct NotOneOf {
    /// What was given.
    pub value: String,
    /// The values allowed, in their list's order.
    pub allowed: &'static [&'static str],
}

/// What the API answers for a value outside `allowed`: `must be one of: a, b, c`.
pub fn must_be_one_of(allowed: &[&str]) -> String {
    format!("must be one of: {}", allowed.join(", "))
}

/// What every vocabulary enum offers, for code that works on any of them.
pub trait Vocabulary: Copy + Eq + std::str::FromStr<Err = NotOneOf> + 'static {
    /// Every value, in the list's order.
    const ALL: &'static [Self];
    /// Every value's name, in the same order.
    const NAMES: &'static [&'static str];
    /// The value's name, as stored and sent.
    fn as_str(self) -> &'static str;
}

/// Declare a closed list: an enum whose variants are written as
/// `Variant = "name"`. One variant is marked `#[default]`: the value a row
/// being built holds until it is set (rows derive `Default`).
///
/// Values order by name, as the database orders their text column.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:tt,)+
        }
    ) => {
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, Hash,
            diesel::AsExpression, diesel::FromSqlRow, utoipa::ToSchema,
        )]
        $(#[$meta])*
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in the list's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every value's name, in the same order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The value's name, as stored and sent.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// `must be one of: …` with this list.
            pub fn must_be_one_of() -> String {
                $crate::vocabulary::must_be_one_of(Self::NAMES)
            }
        }

        impl $crate::vocabulary::Vocabulary for $name {
            const ALL: &'static [$name] = $name::ALL;
            const NAMES: &'static [&'static str] = $name::NAMES;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocabulary::NotOneOf;
            fn from_str(s: &str) -> Result<$name, $crate::vocabulary::NotOneOf> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::vocabulary::NotOneOf { value: s.to_string(), allowed: $name::NAMES }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &$name) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &$name) -> std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                d.deserialize_str($crate::vocabulary::NameVisitor::<$name>(std::marker::PhantomData))
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<$name> {
                let name = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                Ok(name.parse::<$name>()?)
            }
        }
    };
}

/// Reads a vocabulary value from a string, refusing others with
/// "must be one of: …".
#[doc(hidden)]
pub struct NameVisitor<T>(pub std::marker::PhantomData<T>);

impl<T: Vocabulary> serde::de::Visitor<'_> for NameVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of: {}", T::NAMES.join(", "))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

vocabulary! {
    /// Progress status of a milestone or commitment.
    ///
    /// - `not_started`: the plan's progress is tracked and the record has no
    ///   progress update (the tracking platform lists it as not started).
    /// - `started`: at least one progress update, the latest below 100 %.
    /// - `completed`: the latest progress update (by its time) says 100 %.
    /// - `no_data`: the source publishes no progress for the record's plan;
    ///   no percentage is shown and the record counts in no average.
    pub enum Status {
        NotStarted = "not_started",
        Started = "started",
        Completed = "completed",
        #[default]
        NoData = "no_data",
    }
}

vocabulary! {
    /// An institution's part in a record. `mentioned`: the record's text
    /// names the institution (and nothing more is claimed).
    #[schema(as = RoleName)]
    pub enum Role {
        #[default]
        Responsible = "responsible",
        Participating = "participating",
        Involved = "involved",
        Partner = "partner",
        Mentioned = "mentioned",
    }
}

vocabulary! {
    /// Where a role comes from: `curated` (typed in the canonical files from
    /// the source), `structure` (a list of a tracking-platform report),
    /// `text` (the institution's name or alias found in the record's text by
    /// the importer).
    pub enum RoleOrigin {
        #[default]
        Curated = "curated",
        Structure = "structure",
        Text = "text",
    }
}

vocabulary! {
    /// Record types that can hold an institution role or mention.
    pub enum RoleSubject {
        #[default]
        Plan = "plan",
        PlanSection = "plan_section",
        PlanParticipant = "plan_participant",
        PlanRisk = "plan_risk",
        Commitment = "commitment",
        Milestone = "milestone",
        ProgressUpdate = "progress_update",
    }
}

vocabulary! {
    /// The group a tracking platform lists a participating institution under
    /// (GOBIERNO, OSC, OTROS).
    pub enum ParticipantGroup {
        Government = "government",
        CivilSociety = "civil_society",
        #[default]
        Other = "other",
    }
}

vocabulary! {
    /// Kinds of action plan.
    pub enum PlanKind {
        #[default]
        OgpNationalActionPlan = "ogp_national_action_plan",
        RegionalActionPlan = "regional_action_plan",
        DonorImplementationPlan = "donor_implementation_plan",
    }
}

vocabulary! {
    /// Kinds of institution.
    pub enum InstitutionKind {
        Government = "government",
        CivilSociety = "civil_society",
        International = "international",
        #[default]
        Other = "other",
    }
}

vocabulary! {
    /// Kinds of source-document headings: `title`, `heading` (a heading of the
    /// body) or `toc_entry` (an entry of the document's own table of contents).
    pub enum HeadingKind {
        Title = "title",
        #[default]
        Heading = "heading",
        TocEntry = "toc_entry",
    }
}

vocabulary! {
    /// How precise a date written in the source is ("Febrero 2024": `month`).
    pub enum DatePrecision {
        #[default]
        Day = "day",
        Month = "month",
        Quarter = "quarter",
        Year = "year",
    }
}

vocabulary! {
    /// Every type of record, as `/v1/changes` names them.
    pub enum RecordType {
        #[default]
        Plan = "plan",
        Commitment = "commitment",
        Milestone = "milestone",
        ProgressUpdate = "progress_update",
        Institution = "institution",
        InstitutionRole = "institution_role",
        InstitutionAlias = "institution_alias",
        PlanSection = "plan_section",
        PlanParticipant = "plan_participant",
        PlanRisk = "plan_risk",
        QualityFinding = "quality_finding",
        SourceDocument = "source_document",
        SourceHeading = "source_heading",
    }
}

vocabulary! {
    /// Record types whose ids can be retired.
    pub enum RetirableType {
        #[default]
        Commitment = "commitment",
        Milestone = "milestone",
        ProgressUpdate = "progress_update",
    }
}

vocabulary! {
    /// What an import did to a record.
    pub enum ChangeKind {
        #[default]
        Created = "created",
        Updated = "updated",
        Deleted = "deleted",
    }
}

vocabulary! {
    /// Record types a data-quality finding can be about.
    pub enum FindingSubject {
        #[default]
        Plan = "plan",
        Commitment = "commitment",
        Milestone = "milestone",
        ProgressUpdate = "progress_update",
        SourceDocument = "source_document",
    }
}

vocabulary! {
    /// Kinds of data-quality finding (`crate::import::quality` finds them):
    ///
    /// - plans and commitments: `published_counts_mismatch` (the platform's
    ///   headline counts against the milestones present), `numbering_gap`,
    ///   `reported_vs_computed_progress`, `structure_announced_but_absent` (a
    ///   table-of-contents entry without its section);
    /// - milestones: `milestone_overdue`, `identical_milestones` (the same text
    ///   under different responsible institutions), `progress_without_evidence`,
    ///   `timestamps_out_of_order`, `update_burst` (updates posted minutes apart);
    /// - progress updates: `duplicate_progress_update`, `progress_decrease`,
    ///   `update_after_end_date`;
    /// - text: `text_cut_off` (a text the source cuts mid-word).
    pub enum FindingKind {
        #[default]
        PublishedCountsMismatch = "published_counts_mismatch",
        NumberingGap = "numbering_gap",
        ReportedVsComputedProgress = "reported_vs_computed_progress",
        StructureAnnouncedButAbsent = "structure_announced_but_absent",
        MilestoneOverdue = "milestone_overdue",
        IdenticalMilestones = "identical_milestones",
        ProgressWithoutEvidence = "progress_without_evidence",
        TimestampsOutOfOrder = "timestamps_out_of_order",
        UpdateBurst = "update_burst",
        DuplicateProgressUpdate = "duplicate_progress_update",
        ProgressDecrease = "progress_decrease",
        UpdateAfterEndDate = "update_after_end_date",
        TextCutOff = "text_cut_off",
    }
}

vocabulary! {
    /// Frictionless field types of the published columns (`data/dictionary.csv`).
    pub enum FieldType {
        #[default]
        String = "string",
        Integer = "integer",
        Number = "number",
        Boolean = "boolean",
        Date = "date",
        Datetime = "datetime",
    }
}

/// The names of [`Status`] (what the API's `status` filter accepts).
pub const STATUSES: &[&str] = Status::NAMES;

/// The names of [`Role`] (what the API's `role` filter accepts).
pub const ROLES: &[&str] = Role::NAMES;

/// The names of [`RoleOrigin`].
pub const ROLE_ORIGINS: &[&str] = RoleOrigin::NAMES;

/// The names of [`RoleSubject`].
pub const ROLE_SUBJECTS: &[&str] = RoleSubject::NAMES;

/// The names of [`HeadingKind`].
pub const HEADING_KINDS: &[&str] = HeadingKind::NAMES;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_reads_back_from_its_name_and_others_are_refused_with_the_list() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(*s));
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<Status>(&format!("\"{s}\"")).unwrap(), *s);
        }
        let refused = "done".parse::<Status>().unwrap_err();
        assert_eq!(refused.to_string(), "must be one of: not_started, started, completed, no_data");
        assert_eq!(refused.value, "done");
        let said = serde_json::from_str::<Status>("\"done\"").unwrap_err().to_string();
        assert!(said.starts_with("must be one of: not_started, started, completed, no_data"), "{said}");
        assert_eq!(Status::must_be_one_of(), refused.to_string());
    }

    #[test]
    fn values_order_by_name_as_the_database_orders_them() {
        let mut sorted = RecordType::ALL.to_vec();
        sorted.sort();
        let mut names = RecordType::NAMES.to_vec();
        names.sort();
        assert_eq!(sorted.iter().map(|t| t.as_str()).collect::<Vec<_>>(), names);
    }

    #[test]
    fn the_openapi_schema_lists_the_values() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(Role::schema()).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(ROLES));
        assert_eq!(<Role as utoipa::ToSchema>::name(), "RoleName");
    }
}
