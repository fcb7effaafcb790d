-- Full-text search: one FTS5 index per searchable table over the folded
-- search_text (rowid = seq), filled by the importer; and an index on seq
-- so that lists in source order and search candidates need no table scan.
-- detail=none: only word-prefix queries are asked, never phrases. The
-- *_fts_vocab tables list each index's words; search_fts_words holds them all
-- (filled by the importer) so that a prefix expands into words by a B-tree seek.
CREATE VIRTUAL TABLE plans_fts USING fts5(search_text, content='', detail='none', tokenize='unicode61 remove_diacritics 0');
CREATE UNIQUE INDEX plans_seq ON plans(seq, id);
CREATE VIRTUAL TABLE commitments_fts USING fts5(search_text, content='', detail='none', tokenize='unicode61 remove_diacritics 0');
CREATE UNIQUE INDEX commitments_seq ON commitments(seq, id);
CREATE VIRTUAL TABLE milestones_fts USING fts5(search_text, content='', detail='none', tokenize='unicode61 remove_diacritics 0');
CREATE UNIQUE INDEX milestones_seq ON milestones(seq, id);
CREATE VIRTUAL TABLE progress_updates_fts USING fts5(search_text, content='', detail='none', tokenize='unicode61 remove_diacritics 0');
CREATE UNIQUE INDEX progress_updates_seq ON progress_updates(seq, id);
CREATE VIRTUAL TABLE institutions_fts USING fts5(search_text, content='', detail='none', tokenize='unicode61 remove_diacritics 0');
CREATE UNIQUE INDEX institutions_seq ON institutions(seq, id);
CREATE VIRTUAL TABLE plans_fts_vocab USING fts5vocab(plans_fts, 'row');
CREATE VIRTUAL TABLE commitments_fts_vocab USING fts5vocab(commitments_fts, 'row');
CREATE VIRTUAL TABLE milestones_fts_vocab USING fts5vocab(milestones_fts, 'row');
CREATE VIRTUAL TABLE progress_updates_fts_vocab USING fts5vocab(progress_updates_fts, 'row');
CREATE VIRTUAL TABLE institutions_fts_vocab USING fts5vocab(institutions_fts, 'row');
CREATE TABLE search_fts_words (word TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
