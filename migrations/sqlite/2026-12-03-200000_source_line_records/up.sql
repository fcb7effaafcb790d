-- Which records each source line holds (the first line of their source
-- location), so that a source document's page lists them beside the line:
-- one index range per page of lines.
CREATE TABLE source_line_records (
    document_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    last_line INTEGER NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (document_id, line, record_type, record_id)
);

-- Rows already imported get theirs now (an unchanged import writes nothing).
INSERT INTO source_line_records (document_id, line, last_line, record_type, record_id)
SELECT source_document, CAST(substr(source_location, 6) AS INTEGER), CAST(substr(source_location, 6) AS INTEGER), 'plan', id
FROM plans WHERE source_location GLOB 'line [1-9]*'
UNION ALL
SELECT source_document, CAST(substr(source_location, 7) AS INTEGER),
       CAST(substr(source_location, instr(source_location, '-') + 1) AS INTEGER), 'plan', id
FROM plans WHERE source_location GLOB 'lines [1-9]*-[1-9]*';
INSERT INTO source_line_records (document_id, line, last_line, record_type, record_id)
SELECT source_document, CAST(substr(source_location, 6) AS INTEGER), CAST(substr(source_location, 6) AS INTEGER), 'commitment', id
FROM commitments WHERE source_location GLOB 'line [1-9]*'
UNION ALL
SELECT source_document, CAST(substr(source_location, 7) AS INTEGER),
       CAST(substr(source_location, instr(source_location, '-') + 1) AS INTEGER), 'commitment', id
FROM commitments WHERE source_location GLOB 'lines [1-9]*-[1-9]*';
INSERT INTO source_line_records (document_id, line, last_line, record_type, record_id)
SELECT source_document, CAST(substr(source_location, 6) AS INTEGER), CAST(substr(source_location, 6) AS INTEGER), 'milestone', id
FROM milestones WHERE source_location GLOB 'line [1-9]*'
UNION ALL
SELECT source_document, CAST(substr(source_location, 7) AS INTEGER),
       CAST(substr(source_location, instr(source_location, '-') + 1) AS INTEGER), 'milestone', id
FROM milestones WHERE source_location GLOB 'lines [1-9]*-[1-9]*';
INSERT INTO source_line_records (document_id, line, last_line, record_type, record_id)
SELECT source_document, CAST(substr(source_location, 6) AS INTEGER), CAST(substr(source_location, 6) AS INTEGER), 'progress_update', id
FROM progress_updates WHERE source_location GLOB 'line [1-9]*'
UNION ALL
SELECT source_document, CAST(substr(source_location, 7) AS INTEGER),
       CAST(substr(source_location, instr(source_location, '-') + 1) AS INTEGER), 'progress_update', id
FROM progress_updates WHERE source_location GLOB 'lines [1-9]*-[1-9]*';
INSERT INTO source_line_records (document_id, line, last_line, record_type, record_id)
SELECT source_document, CAST(substr(source_location, 6) AS INTEGER), CAST(substr(source_location, 6) AS INTEGER), 'institution', id
FROM institutions WHERE source_location GLOB 'line [1-9]*'
UNION ALL
SELECT source_document, CAST(substr(source_location, 7) AS INTEGER),
       CAST(substr(source_location, instr(source_location, '-') + 1) AS INTEGER), 'institution', id
FROM institutions WHERE source_location GLOB 'lines [1-9]*-[1-9]*';
