-- Least privilege for `serve`: a role that can only read. Serving connections
-- switch to it (SET ROLE) as soon as they connect; `migrate` and `import` keep
-- the role they logged in with. Roles are shared by the whole cluster, so the
-- role is created only once (and concurrent migrations do not trip on it).
DO $$
BEGIN
    CREATE ROLE gagt_reader NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO gagt_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO gagt_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO gagt_reader;
DO $$
BEGIN
    EXECUTE format('GRANT gagt_reader TO %I', current_user);
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
