-- SQLite's INTEGER PRIMARY KEY is already 64-bit; PostgreSQL's column
-- becomes BIGINT in this change (`src/schema.rs` says BigInt for both).
SELECT 1;
