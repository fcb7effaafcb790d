-- Every foreign key may be checked at commit instead of at each statement
-- (still checked at each statement unless a transaction asks otherwise):
-- an import that changes a parent row deletes and inserts it again while its
-- unchanged children stay, and asks for the check at commit.
DO $$
DECLARE fk record;
BEGIN
    FOR fk IN
        SELECT conrelid::regclass AS tbl, conname
        FROM pg_constraint
        WHERE contype = 'f' AND connamespace = current_schema()::regnamespace
    LOOP
        EXECUTE format('ALTER TABLE %s ALTER CONSTRAINT %I DEFERRABLE INITIALLY IMMEDIATE', fk.tbl, fk.conname);
    END LOOP;
END $$;
