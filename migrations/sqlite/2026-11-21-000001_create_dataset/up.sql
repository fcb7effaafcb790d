-- The whole published dataset. Rows are replaced as a unit by `import`;
-- derived columns (counts, computed progress, status, search keys) are
-- filled by the importer, never typed in by hand.
CREATE TABLE dataset_revisions (
    id INTEGER PRIMARY KEY NOT NULL,
    created_at TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    counts TEXT NOT NULL
);

CREATE TABLE source_documents (
    id TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    sha256 TEXT NOT NULL
);

CREATE TABLE institutions (
    id TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    acronym TEXT,
    kind TEXT NOT NULL,
    parent_id TEXT REFERENCES institutions(id),
    source_document TEXT NOT NULL REFERENCES source_documents(id),
    source_location TEXT NOT NULL,
    commitment_count INTEGER NOT NULL,
    milestone_count INTEGER NOT NULL,
    completed_milestone_count INTEGER NOT NULL,
    average_progress INTEGER,
    search_text TEXT NOT NULL
);

CREATE TABLE institution_aliases (
    institution_id TEXT NOT NULL REFERENCES institutions(id),
    alias TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (institution_id, alias)
);

CREATE TABLE plans (
    id TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    short_name TEXT NOT NULL,
    country TEXT NOT NULL,
    kind TEXT NOT NULL,
    period_start TEXT,
    period_end TEXT,
    objective TEXT,
    description TEXT,
    stated_commitment_total INTEGER,
    published_milestones_not_started INTEGER,
    published_milestones_started INTEGER,
    published_milestones_completed INTEGER,
    source_document TEXT NOT NULL REFERENCES source_documents(id),
    source_location TEXT NOT NULL,
    commitment_count INTEGER NOT NULL,
    milestone_count INTEGER NOT NULL,
    milestones_not_started INTEGER NOT NULL,
    milestones_started INTEGER NOT NULL,
    milestones_completed INTEGER NOT NULL,
    progress_update_count INTEGER NOT NULL,
    search_text TEXT NOT NULL
);

CREATE TABLE plan_sections (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    source_document TEXT NOT NULL REFERENCES source_documents(id),
    source_location TEXT NOT NULL
);

CREATE TABLE commitments (
    id TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    reported_progress INTEGER,
    reported_progress_raw TEXT,
    source_document TEXT NOT NULL REFERENCES source_documents(id),
    source_location TEXT NOT NULL,
    computed_progress INTEGER,
    status TEXT NOT NULL,
    milestone_count INTEGER NOT NULL,
    search_text TEXT NOT NULL
);

CREATE TABLE milestones (
    id TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    commitment_id TEXT NOT NULL REFERENCES commitments(id),
    plan_id TEXT NOT NULL REFERENCES plans(id),
    code TEXT NOT NULL,
    description TEXT NOT NULL,
    expected_results TEXT NOT NULL,
    start_raw TEXT,
    start_date TEXT,
    start_precision TEXT,
    end_raw TEXT,
    end_date TEXT,
    end_precision TEXT,
    term TEXT,
    source_document TEXT NOT NULL REFERENCES source_documents(id),
    source_location TEXT NOT NULL,
    status TEXT NOT NULL,
    latest_progress INTEGER,
    latest_progress_at TEXT,
    progress_update_count INTEGER NOT NULL,
    search_text TEXT NOT NULL
);

CREATE TABLE progress_updates (
    id TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    milestone_id TEXT NOT NULL REFERENCES milestones(id),
    commitment_id TEXT NOT NULL REFERENCES commitments(id),
    plan_id TEXT NOT NULL REFERENCES plans(id),
    position INTEGER NOT NULL,
    reported_at TEXT NOT NULL,
    description TEXT NOT NULL,
    percent INTEGER,
    percent_raw TEXT,
    verification TEXT,
    links TEXT NOT NULL,
    source_document TEXT NOT NULL REFERENCES source_documents(id),
    source_location TEXT NOT NULL,
    search_text TEXT NOT NULL
);

CREATE TABLE institution_roles (
    id TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    institution_id TEXT NOT NULL REFERENCES institutions(id),
    role TEXT NOT NULL,
    participant_group TEXT,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    source_document TEXT NOT NULL REFERENCES source_documents(id),
    source_location TEXT NOT NULL
);

CREATE TABLE plan_participants (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    position TEXT,
    institution_id TEXT REFERENCES institutions(id),
    source_document TEXT NOT NULL REFERENCES source_documents(id),
    source_location TEXT NOT NULL
);

CREATE TABLE plan_risks (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    seq INTEGER NOT NULL,
    scenario TEXT NOT NULL,
    warning_signs TEXT,
    preventive_actions TEXT,
    damage_reduction TEXT,
    adjustments TEXT,
    source_document TEXT NOT NULL REFERENCES source_documents(id),
    source_location TEXT NOT NULL
);

CREATE INDEX commitments_plan ON commitments(plan_id, seq);
CREATE INDEX milestones_commitment ON milestones(commitment_id, seq);
CREATE INDEX milestones_plan ON milestones(plan_id, seq);
CREATE INDEX progress_updates_milestone ON progress_updates(milestone_id, position);
CREATE INDEX progress_updates_plan ON progress_updates(plan_id, seq);
CREATE INDEX progress_updates_reported_at ON progress_updates(reported_at, id);
CREATE INDEX institution_roles_subject ON institution_roles(subject_type, subject_id);
CREATE INDEX institution_roles_institution ON institution_roles(institution_id, role);
CREATE INDEX institutions_name ON institutions(name_key, id);
