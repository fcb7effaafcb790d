-- Which records each source line holds (the first line of their source
-- location), so that a source document's page lists them beside the line:
-- one index range per page of lines.
CREATE TABLE source_line_records (
    document_id TEXT COLLATE "C" NOT NULL,
    line INTEGER NOT NULL,
    last_line INTEGER NOT NULL,
    record_type TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (document_id, line, record_type, record_id)
);
GRANT SELECT ON source_line_records TO gagt_reader;

-- Rows already imported get theirs now (an unchanged import writes nothing).
INSERT INTO source_line_records (document_id, line, last_line, record_type, record_id)
SELECT source_document, substring(source_location from '^lines? ([0-9]+)')::int,
       coalesce(substring(source_location from '^lines [0-9]+-([0-9]+)$'), substring(source_location from '^line ([0-9]+)$'))::int,
       'plan', id
FROM plans WHERE source_location ~ '^(line [1-9][0-9]*|lines [1-9][0-9]*-[1-9][0-9]*)$';
INSERT INTO source_line_records (document_id, line, last_line, record_type, record_id)
SELECT source_document, substring(source_location from '^lines? ([0-9]+)')::int,
       coalesce(substring(source_location from '^lines [0-9]+-([0-9]+)$'), substring(source_location from '^line ([0-9]+)$'))::int,
       'commitment', id
FROM commitments WHERE source_location ~ '^(line [1-9][0-9]*|lines [1-9][0-9]*-[1-9][0-9]*)$';
INSERT INTO source_line_records (document_id, line, last_line, record_type, record_id)
SELECT source_document, substring(source_location from '^lines? ([0-9]+)')::int,
       coalesce(substring(source_location from '^lines [0-9]+-([0-9]+)$'), substring(source_location from '^line ([0-9]+)$'))::int,
       'milestone', id
FROM milestones WHERE source_location ~ '^(line [1-9][0-9]*|lines [1-9][0-9]*-[1-9][0-9]*)$';
INSERT INTO source_line_records (document_id, line, last_line, record_type, record_id)
SELECT source_document, substring(source_location from '^lines? ([0-9]+)')::int,
       coalesce(substring(source_location from '^lines [0-9]+-([0-9]+)$'), substring(source_location from '^line ([0-9]+)$'))::int,
       'progress_update', id
FROM progress_updates WHERE source_location ~ '^(line [1-9][0-9]*|lines [1-9][0-9]*-[1-9][0-9]*)$';
INSERT INTO source_line_records (document_id, line, last_line, record_type, record_id)
SELECT source_document, substring(source_location from '^lines? ([0-9]+)')::int,
       coalesce(substring(source_location from '^lines [0-9]+-([0-9]+)$'), substring(source_location from '^line ([0-9]+)$'))::int,
       'institution', id
FROM institutions WHERE source_location ~ '^(line [1-9][0-9]*|lines [1-9][0-9]*-[1-9][0-9]*)$';
