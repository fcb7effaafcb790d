-- Each collection's facets without filters (counts per value of its main
-- dimensions), counted by the import so that the first look at a table of a
-- million rows reads a few hundred rows instead of counting them all.
-- Revisions imported before this table existed have none: counted live.
CREATE TABLE facet_counts (
    record_type TEXT COLLATE "C" NOT NULL,
    dimension TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (record_type, dimension, value)
);
GRANT SELECT ON facet_counts TO gagt_reader;
