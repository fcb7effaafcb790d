//! Diesel table definitions; mirrors `migrations/*`. Shared by both backends.

diesel::table! {
    dataset_revisions (id) {
        id -> Integer,
        created_at -> Text,
        content_hash -> Text,
        source -> Text,
        counts -> Text,
        input_digest -> Nullable<Text>,
    }
}

diesel::table! {
    source_documents (id) {
        id -> Text,
        seq -> Integer,
        file_name -> Text,
        title -> Text,
        description -> Nullable<Text>,
        sha256 -> Text,
        text -> Text,
        line_count -> Integer,
    }
}

diesel::table! {
    institutions (id) {
        id -> Text,
        seq -> Integer,
        name -> Text,
        name_key -> Text,
        acronym -> Nullable<Text>,
        kind -> Text,
        parent_id -> Nullable<Text>,
        source_document -> Text,
        source_location -> Text,
        commitment_count -> Integer,
        milestone_count -> Integer,
        completed_milestone_count -> Integer,
        average_progress -> Nullable<Integer>,
        search_text -> Text,
        name_in_sources -> Bool,
        acronym_in_sources -> Nullable<Bool>,
        started_milestone_count -> Integer,
        not_started_milestone_count -> Integer,
        no_data_milestone_count -> Integer,
        overdue_milestone_count -> Integer,
        average_progress_milestones -> Integer,
    }
}

diesel::table! {
    institution_aliases (institution_id, alias) {
        institution_id -> Text,
        alias -> Text,
        seq -> Integer,
        in_text -> Bool,
        in_sources -> Bool,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        seq -> Integer,
        title -> Text,
        short_name -> Text,
        country -> Text,
        kind -> Text,
        period_start -> Nullable<Text>,
        period_end -> Nullable<Text>,
        objective -> Nullable<Text>,
        description -> Nullable<Text>,
        stated_commitment_total -> Nullable<Integer>,
        published_milestones_not_started -> Nullable<Integer>,
        published_milestones_started -> Nullable<Integer>,
        published_milestones_completed -> Nullable<Integer>,
        source_document -> Text,
        source_location -> Text,
        commitment_count -> Integer,
        milestone_count -> Integer,
        milestones_not_started -> Integer,
        milestones_started -> Integer,
        milestones_completed -> Integer,
        progress_update_count -> Integer,
        search_text -> Text,
        tracks_progress -> Bool,
        progress_as_of -> Nullable<Text>,
        milestones_no_data -> Integer,
        milestones_overdue -> Integer,
        computed_progress -> Nullable<Integer>,
        computed_progress_milestones -> Nullable<Integer>,
        title_in_sources -> Bool,
    }
}

diesel::table! {
    plan_sections (id) {
        id -> Text,
        plan_id -> Text,
        seq -> Integer,
        kind -> Text,
        title -> Text,
        body -> Text,
        source_document -> Text,
        source_location -> Text,
        search_text -> Text,
        title_in_sources -> Bool,
    }
}

diesel::table! {
    commitments (id) {
        id -> Text,
        seq -> Integer,
        plan_id -> Text,
        number -> Text,
        title -> Text,
        description -> Nullable<Text>,
        reported_progress -> Nullable<Integer>,
        reported_progress_raw -> Nullable<Text>,
        source_document -> Text,
        source_location -> Text,
        computed_progress -> Nullable<Integer>,
        status -> Text,
        milestone_count -> Integer,
        search_text -> Text,
        computed_progress_milestones -> Nullable<Integer>,
    }
}

diesel::table! {
    milestones (id) {
        id -> Text,
        seq -> Integer,
        commitment_id -> Text,
        plan_id -> Text,
        code -> Text,
        description -> Text,
        expected_results -> Text,
        start_raw -> Nullable<Text>,
        start_date -> Nullable<Text>,
        start_precision -> Nullable<Text>,
        end_raw -> Nullable<Text>,
        end_date -> Nullable<Text>,
        end_precision -> Nullable<Text>,
        term -> Nullable<Text>,
        source_document -> Text,
        source_location -> Text,
        status -> Text,
        latest_progress -> Nullable<Integer>,
        latest_progress_at -> Nullable<Text>,
        progress_update_count -> Integer,
        search_text -> Text,
        overdue -> Nullable<Bool>,
    }
}

diesel::table! {
    progress_updates (id) {
        id -> Text,
        seq -> Integer,
        milestone_id -> Text,
        commitment_id -> Text,
        plan_id -> Text,
        position -> Integer,
        reported_at -> Text,
        description -> Text,
        percent -> Nullable<Integer>,
        percent_raw -> Nullable<Text>,
        verification -> Nullable<Text>,
        links -> Text,
        source_document -> Text,
        source_location -> Text,
        search_text -> Text,
        verification_line -> Bool,
    }
}

diesel::table! {
    institution_roles (id) {
        id -> Text,
        seq -> Integer,
        institution_id -> Text,
        role -> Text,
        participant_group -> Nullable<Text>,
        subject_type -> Text,
        subject_id -> Text,
        plan_id -> Text,
        source_document -> Text,
        source_location -> Text,
        origin -> Text,
    }
}

diesel::table! {
    plan_participants (id) {
        id -> Text,
        plan_id -> Text,
        seq -> Integer,
        name -> Text,
        position -> Nullable<Text>,
        institution_id -> Nullable<Text>,
        source_document -> Text,
        source_location -> Text,
        search_text -> Text,
    }
}

diesel::table! {
    plan_risks (id) {
        id -> Text,
        plan_id -> Text,
        seq -> Integer,
        scenario -> Text,
        warning_signs -> Nullable<Text>,
        preventive_actions -> Nullable<Text>,
        damage_reduction -> Nullable<Text>,
        adjustments -> Nullable<Text>,
        source_document -> Text,
        source_location -> Text,
        search_text -> Text,
    }
}

diesel::table! {
    quality_findings (id) {
        id -> Text,
        seq -> Integer,
        kind -> Text,
        plan_id -> Text,
        record_type -> Text,
        record_id -> Text,
        summary_es -> Text,
        summary_en -> Text,
        details -> Text,
    }
}

diesel::table! {
    record_versions (record_type, record_id) {
        record_type -> Text,
        record_id -> Text,
        content_hash -> Text,
        created_revision -> Integer,
        updated_revision -> Integer,
        updated_at -> Text,
    }
}

diesel::table! {
    deployment_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    record_changes (seq) {
        seq -> BigInt,
        revision -> Integer,
        record_type -> Text,
        record_id -> Text,
        change -> Text,
    }
}

diesel::table! {
    source_headings (id) {
        id -> Text,
        seq -> Integer,
        document_id -> Text,
        line -> Integer,
        kind -> Text,
        level -> Integer,
        number -> Nullable<Text>,
        title -> Text,
        page -> Nullable<Text>,
        heading_line -> Nullable<Integer>,
    }
}

diesel::table! {
    retired_ids (record_type, record_id) {
        record_type -> Text,
        record_id -> Text,
        seq -> Integer,
    }
}

diesel::table! {
    institution_plan_rollups (institution_id, plan_id) {
        institution_id -> Text,
        plan_id -> Text,
        seq -> Integer,
        name_key -> Text,
        commitment_count -> Integer,
        milestone_count -> Integer,
        completed_milestone_count -> Integer,
        started_milestone_count -> Integer,
        not_started_milestone_count -> Integer,
        no_data_milestone_count -> Integer,
        overdue_milestone_count -> Integer,
        average_progress -> Nullable<Integer>,
        average_progress_milestones -> Integer,
    }
}

diesel::table! {
    source_line_records (document_id, line, record_type, record_id) {
        document_id -> Text,
        line -> Integer,
        last_line -> Integer,
        record_type -> Text,
        record_id -> Text,
    }
}

diesel::table! {
    facet_counts (record_type, dimension, value) {
        record_type -> Text,
        dimension -> Text,
        value -> Text,
        count -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    facet_counts,
    source_line_records,
    source_headings,
    retired_ids,
    institution_plan_rollups,
    record_versions,
    record_changes,
    quality_findings,
    dataset_revisions,
    source_documents,
    institutions,
    institution_aliases,
    plans,
    plan_sections,
    commitments,
    milestones,
    progress_updates,
    institution_roles,
    plan_participants,
    plan_risks,
);
