-- A random secret of this database, made once: cursors are signed with it
-- (HMAC-SHA-256) unless `--cursor-key` is set, so every replica serving this
-- database accepts the others' cursors and no one else can make one.
CREATE TABLE deployment_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT INTO deployment_secrets (name, value) VALUES ('cursor_key', lower(hex(randomblob(32))));
