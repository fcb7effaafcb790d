-- What an import read, as one digest (the importer's own build and every
-- input file's bytes): an import of the very same inputs into the very same
-- build finds it here and stops before reading a row (no revision).
ALTER TABLE dataset_revisions ADD COLUMN input_digest TEXT;
