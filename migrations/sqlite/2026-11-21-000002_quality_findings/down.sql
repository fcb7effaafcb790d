DROP TABLE quality_findings;
