DROP TABLE source_line_records;
