-- An institution's children (its detail) by their parent, in the order
-- shown (name, then id). Without it, every institution's detail walked the
-- whole name index and read every institution's row to compare its parent
-- (5,000 rows per request at scale 100; issue 18).
CREATE INDEX institutions_parent ON institutions(parent_id, name_key, id);
