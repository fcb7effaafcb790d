-- `/v1/changes` sequence numbers are 64-bit end to end: INTEGER would stop
-- (and its cursor wrap) past 2^31 changes.
ALTER TABLE record_changes ALTER COLUMN seq TYPE BIGINT;
