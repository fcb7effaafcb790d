DROP TABLE record_changes;
DROP TABLE record_versions;
