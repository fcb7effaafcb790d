ALTER TABLE dataset_revisions DROP COLUMN input_digest;
