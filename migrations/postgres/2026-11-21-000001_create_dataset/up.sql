-- PostgreSQL twin of migrations/sqlite: every text column uses the "C"
-- collation so that sorting is byte order, identical to SQLite.
-- The whole published dataset. Rows are replaced as a unit by `import`;
-- derived columns (counts, computed progress, status, search keys) are
-- filled by the importer, never typed in by hand.
CREATE TABLE dataset_revisions (
    id INTEGER PRIMARY KEY NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    content_hash TEXT COLLATE "C" NOT NULL,
    source TEXT COLLATE "C" NOT NULL,
    counts TEXT COLLATE "C" NOT NULL
);

CREATE TABLE source_documents (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    file_name TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C",
    sha256 TEXT COLLATE "C" NOT NULL
);

CREATE TABLE institutions (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    name_key TEXT COLLATE "C" NOT NULL,
    acronym TEXT COLLATE "C",
    kind TEXT COLLATE "C" NOT NULL,
    parent_id TEXT COLLATE "C" REFERENCES institutions(id),
    source_document TEXT COLLATE "C" NOT NULL REFERENCES source_documents(id),
    source_location TEXT COLLATE "C" NOT NULL,
    commitment_count INTEGER NOT NULL,
    milestone_count INTEGER NOT NULL,
    completed_milestone_count INTEGER NOT NULL,
    average_progress INTEGER,
    search_text TEXT COLLATE "C" NOT NULL
);

CREATE TABLE institution_aliases (
    institution_id TEXT COLLATE "C" NOT NULL REFERENCES institutions(id),
    alias TEXT COLLATE "C" NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (institution_id, alias)
);

CREATE TABLE plans (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    short_name TEXT COLLATE "C" NOT NULL,
    country TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    period_start TEXT COLLATE "C",
    period_end TEXT COLLATE "C",
    objective TEXT COLLATE "C",
    description TEXT COLLATE "C",
    stated_commitment_total INTEGER,
    published_milestones_not_started INTEGER,
    published_milestones_started INTEGER,
    published_milestones_completed INTEGER,
    source_document TEXT COLLATE "C" NOT NULL REFERENCES source_documents(id),
    source_location TEXT COLLATE "C" NOT NULL,
    commitment_count INTEGER NOT NULL,
    milestone_count INTEGER NOT NULL,
    milestones_not_started INTEGER NOT NULL,
    milestones_started INTEGER NOT NULL,
    milestones_completed INTEGER NOT NULL,
    progress_update_count INTEGER NOT NULL,
    search_text TEXT COLLATE "C" NOT NULL
);

CREATE TABLE plan_sections (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    plan_id TEXT COLLATE "C" NOT NULL REFERENCES plans(id),
    seq INTEGER NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    source_document TEXT COLLATE "C" NOT NULL REFERENCES source_documents(id),
    source_location TEXT COLLATE "C" NOT NULL
);

CREATE TABLE commitments (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    plan_id TEXT COLLATE "C" NOT NULL REFERENCES plans(id),
    number TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C",
    reported_progress INTEGER,
    reported_progress_raw TEXT COLLATE "C",
    source_document TEXT COLLATE "C" NOT NULL REFERENCES source_documents(id),
    source_location TEXT COLLATE "C" NOT NULL,
    computed_progress INTEGER,
    status TEXT COLLATE "C" NOT NULL,
    milestone_count INTEGER NOT NULL,
    search_text TEXT COLLATE "C" NOT NULL
);

CREATE TABLE milestones (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    commitment_id TEXT COLLATE "C" NOT NULL REFERENCES commitments(id),
    plan_id TEXT COLLATE "C" NOT NULL REFERENCES plans(id),
    code TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C" NOT NULL,
    expected_results TEXT COLLATE "C" NOT NULL,
    start_raw TEXT COLLATE "C",
    start_date TEXT COLLATE "C",
    start_precision TEXT COLLATE "C",
    end_raw TEXT COLLATE "C",
    end_date TEXT COLLATE "C",
    end_precision TEXT COLLATE "C",
    term TEXT COLLATE "C",
    source_document TEXT COLLATE "C" NOT NULL REFERENCES source_documents(id),
    source_location TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    latest_progress INTEGER,
    latest_progress_at TEXT COLLATE "C",
    progress_update_count INTEGER NOT NULL,
    search_text TEXT COLLATE "C" NOT NULL
);

CREATE TABLE progress_updates (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    milestone_id TEXT COLLATE "C" NOT NULL REFERENCES milestones(id),
    commitment_id TEXT COLLATE "C" NOT NULL REFERENCES commitments(id),
    plan_id TEXT COLLATE "C" NOT NULL REFERENCES plans(id),
    position INTEGER NOT NULL,
    reported_at TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C" NOT NULL,
    percent INTEGER,
    percent_raw TEXT COLLATE "C",
    verification TEXT COLLATE "C",
    links TEXT COLLATE "C" NOT NULL,
    source_document TEXT COLLATE "C" NOT NULL REFERENCES source_documents(id),
    source_location TEXT COLLATE "C" NOT NULL,
    search_text TEXT COLLATE "C" NOT NULL
);

CREATE TABLE institution_roles (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    institution_id TEXT COLLATE "C" NOT NULL REFERENCES institutions(id),
    role TEXT COLLATE "C" NOT NULL,
    participant_group TEXT COLLATE "C",
    subject_type TEXT COLLATE "C" NOT NULL,
    subject_id TEXT COLLATE "C" NOT NULL,
    plan_id TEXT COLLATE "C" NOT NULL REFERENCES plans(id),
    source_document TEXT COLLATE "C" NOT NULL REFERENCES source_documents(id),
    source_location TEXT COLLATE "C" NOT NULL
);

CREATE TABLE plan_participants (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    plan_id TEXT COLLATE "C" NOT NULL REFERENCES plans(id),
    seq INTEGER NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    position TEXT COLLATE "C",
    institution_id TEXT COLLATE "C" REFERENCES institutions(id),
    source_document TEXT COLLATE "C" NOT NULL REFERENCES source_documents(id),
    source_location TEXT COLLATE "C" NOT NULL
);

CREATE TABLE plan_risks (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    plan_id TEXT COLLATE "C" NOT NULL REFERENCES plans(id),
    seq INTEGER NOT NULL,
    scenario TEXT COLLATE "C" NOT NULL,
    warning_signs TEXT COLLATE "C",
    preventive_actions TEXT COLLATE "C",
    damage_reduction TEXT COLLATE "C",
    adjustments TEXT COLLATE "C",
    source_document TEXT COLLATE "C" NOT NULL REFERENCES source_documents(id),
    source_location TEXT COLLATE "C" NOT NULL
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
