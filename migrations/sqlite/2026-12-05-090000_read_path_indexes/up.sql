-- Indexes for reads that scanned a whole table (found by the cold-path
-- benchmark, issue 18).
-- Progress updates by percent, in the order the API gives them (no percent
-- last, then by percent and id, either way): the first page of
-- `sort=-percent` read from an index instead of sorting every update.
CREATE INDEX progress_updates_percent_desc ON progress_updates((percent IS NULL), percent DESC, id DESC);
CREATE INDEX progress_updates_percent_asc ON progress_updates((percent IS NULL), percent, id);
-- A plan's institutions (its detail, `institutions?plan=`) and its sections,
-- participants and risks, without reading every plan's.
CREATE INDEX institution_roles_plan ON institution_roles(plan_id, seq);
CREATE INDEX plan_sections_plan ON plan_sections(plan_id, seq);
CREATE INDEX plan_participants_plan ON plan_participants(plan_id, seq);
CREATE INDEX plan_risks_plan ON plan_risks(plan_id, seq);
-- Every source document without its text: the columns listed, read from
-- this index alone. From the table, `line_count` (stored after the text)
-- meant following the whole text's overflow pages on every read.
CREATE INDEX source_documents_listing ON source_documents(seq, id, file_name, title, description, sha256, line_count);
ANALYZE source_documents;
