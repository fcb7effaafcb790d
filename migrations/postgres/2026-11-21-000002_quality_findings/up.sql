-- Data-quality findings, computed by the importer from the data itself.
CREATE TABLE quality_findings (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    plan_id TEXT COLLATE "C" NOT NULL REFERENCES plans(id),
    record_type TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    summary_es TEXT COLLATE "C" NOT NULL,
    summary_en TEXT COLLATE "C" NOT NULL,
    details TEXT COLLATE "C" NOT NULL
);

CREATE INDEX quality_findings_record ON quality_findings(record_type, record_id);
CREATE INDEX quality_findings_plan ON quality_findings(plan_id, seq);
