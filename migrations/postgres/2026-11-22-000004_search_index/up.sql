-- Full-text search: a GIN index on the 'simple' tsvector of the folded
-- search_text (word-prefix queries), and an index on seq so that lists in
-- source order and search candidates need no table scan.
CREATE INDEX plans_search ON plans USING gin (to_tsvector('simple', search_text));
CREATE UNIQUE INDEX plans_seq ON plans(seq, id);
CREATE INDEX commitments_search ON commitments USING gin (to_tsvector('simple', search_text));
CREATE UNIQUE INDEX commitments_seq ON commitments(seq, id);
CREATE INDEX milestones_search ON milestones USING gin (to_tsvector('simple', search_text));
CREATE UNIQUE INDEX milestones_seq ON milestones(seq, id);
CREATE INDEX progress_updates_search ON progress_updates USING gin (to_tsvector('simple', search_text));
CREATE UNIQUE INDEX progress_updates_seq ON progress_updates(seq, id);
CREATE INDEX institutions_search ON institutions USING gin (to_tsvector('simple', search_text));
CREATE UNIQUE INDEX institutions_seq ON institutions(seq, id);
