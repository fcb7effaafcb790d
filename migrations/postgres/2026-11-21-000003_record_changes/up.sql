-- What each import changed, record by record, so mirrors can sync
-- incrementally (`/v1/changes`, `updated_since`).
CREATE TABLE record_versions (
    record_type TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    content_hash TEXT COLLATE "C" NOT NULL,
    created_revision INTEGER NOT NULL,
    updated_revision INTEGER NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (record_type, record_id)
);

CREATE TABLE record_changes (
    seq INTEGER PRIMARY KEY NOT NULL,
    revision INTEGER NOT NULL,
    record_type TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    change TEXT COLLATE "C" NOT NULL
);

CREATE INDEX record_versions_updated ON record_versions(record_type, updated_at);
CREATE INDEX record_changes_revision ON record_changes(revision, seq);
