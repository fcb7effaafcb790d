-- Data-quality findings, computed by the importer from the data itself.
CREATE TABLE quality_findings (
    id TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    summary_es TEXT NOT NULL,
    summary_en TEXT NOT NULL,
    details TEXT NOT NULL
);

CREATE INDEX quality_findings_record ON quality_findings(record_type, record_id);
CREATE INDEX quality_findings_plan ON quality_findings(plan_id, seq);
