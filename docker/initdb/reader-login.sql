-- Run once by the postgres image when its volume is new. The login `serve`
-- uses (README, "Least privilege"): it can only read, as a member of
-- gagt_reader, the SELECT-only role migration 000005 grants every table to
-- (it finds the role made here and keeps it). Change the password for
-- anything but a local try-out.
CREATE ROLE gagt_reader NOLOGIN;
CREATE ROLE reader LOGIN PASSWORD 'reader' IN ROLE gagt_reader;
