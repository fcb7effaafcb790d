-- A random secret of this database, made once: cursors are signed with it
-- (HMAC-SHA-256) unless `--cursor-key` is set, so every replica serving this
-- database accepts the others' cursors and no one else can make one.
-- gen_random_uuid() draws from the server's strong random source.
CREATE TABLE deployment_secrets (
    name TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    value TEXT COLLATE "C" NOT NULL
);
INSERT INTO deployment_secrets (name, value)
VALUES ('cursor_key', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
