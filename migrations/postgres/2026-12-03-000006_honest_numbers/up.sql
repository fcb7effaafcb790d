-- PostgreSQL twin of the SQLite migration of the same name.
-- Honest numbers, every name, every line (issue 13).

-- The sources themselves: their text, served by line range.
ALTER TABLE source_documents ADD COLUMN text TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE source_documents ADD COLUMN line_count INTEGER NOT NULL DEFAULT 0;

-- Headings and table-of-contents entries of each source document.
CREATE TABLE source_headings (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    document_id TEXT COLLATE "C" NOT NULL REFERENCES source_documents(id),
    line INTEGER NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    level INTEGER NOT NULL,
    number TEXT COLLATE "C",
    title TEXT COLLATE "C" NOT NULL,
    page TEXT COLLATE "C",
    heading_line INTEGER
);
CREATE INDEX source_headings_document ON source_headings(document_id, line);

-- Ids of records removed by an import: never given to another record.
CREATE TABLE retired_ids (
    record_type TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (record_type, record_id)
);

-- Whether an update has a "Medios de verificación" line at all.
ALTER TABLE progress_updates ADD COLUMN verification_line BOOLEAN NOT NULL DEFAULT FALSE;

-- Progress that the source does not publish is no data, never 0 %.
ALTER TABLE milestones ADD COLUMN overdue BOOLEAN;
ALTER TABLE commitments ADD COLUMN computed_progress_milestones INTEGER;
ALTER TABLE plans ADD COLUMN tracks_progress BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE plans ADD COLUMN progress_as_of TEXT COLLATE "C";
ALTER TABLE plans ADD COLUMN milestones_no_data INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN milestones_overdue INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN computed_progress INTEGER;
ALTER TABLE plans ADD COLUMN computed_progress_milestones INTEGER;
-- Titles written in the source, or supplied by curation.
ALTER TABLE plans ADD COLUMN title_in_sources BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE plan_sections ADD COLUMN title_in_sources BOOLEAN NOT NULL DEFAULT FALSE;

-- Institutions: whether their names are in the sources, full rollups.
ALTER TABLE institutions ADD COLUMN name_in_sources BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE institutions ADD COLUMN acronym_in_sources BOOLEAN;
ALTER TABLE institutions ADD COLUMN started_milestone_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE institutions ADD COLUMN not_started_milestone_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE institutions ADD COLUMN no_data_milestone_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE institutions ADD COLUMN overdue_milestone_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE institutions ADD COLUMN average_progress_milestones INTEGER NOT NULL DEFAULT 0;
ALTER TABLE institution_aliases ADD COLUMN in_text BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE institution_aliases ADD COLUMN in_sources BOOLEAN NOT NULL DEFAULT FALSE;
-- curated, structure (from a platform report's lists) or text (a name found in a record's text).
ALTER TABLE institution_roles ADD COLUMN origin TEXT COLLATE "C" NOT NULL DEFAULT 'curated';

-- Rollups of each institution within each plan.
CREATE TABLE institution_plan_rollups (
    institution_id TEXT COLLATE "C" NOT NULL REFERENCES institutions(id),
    plan_id TEXT COLLATE "C" NOT NULL REFERENCES plans(id),
    seq INTEGER NOT NULL,
    name_key TEXT COLLATE "C" NOT NULL,
    commitment_count INTEGER NOT NULL,
    milestone_count INTEGER NOT NULL,
    completed_milestone_count INTEGER NOT NULL,
    started_milestone_count INTEGER NOT NULL,
    not_started_milestone_count INTEGER NOT NULL,
    no_data_milestone_count INTEGER NOT NULL,
    overdue_milestone_count INTEGER NOT NULL,
    average_progress INTEGER,
    average_progress_milestones INTEGER NOT NULL,
    PRIMARY KEY (institution_id, plan_id)
);
CREATE INDEX institution_plan_rollups_plan ON institution_plan_rollups(plan_id, institution_id);

-- Search also covers plan sections, participants and risks.
ALTER TABLE plan_sections ADD COLUMN search_text TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE plan_participants ADD COLUMN search_text TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE plan_risks ADD COLUMN search_text TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX plan_sections_search ON plan_sections USING gin (to_tsvector('simple', search_text));
CREATE UNIQUE INDEX plan_sections_seq ON plan_sections(seq, id);
CREATE INDEX plan_participants_search ON plan_participants USING gin (to_tsvector('simple', search_text));
CREATE UNIQUE INDEX plan_participants_seq ON plan_participants(seq, id);
CREATE INDEX plan_risks_search ON plan_risks USING gin (to_tsvector('simple', search_text));
CREATE UNIQUE INDEX plan_risks_seq ON plan_risks(seq, id);

GRANT SELECT ON source_headings, retired_ids, institution_plan_rollups TO gagt_reader;

-- A removed record's id answers 410 with the revision that removed it.
CREATE INDEX record_changes_record ON record_changes(record_type, record_id, seq);
