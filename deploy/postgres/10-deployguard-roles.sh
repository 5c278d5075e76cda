#!/bin/sh
# Runs once when the PostgreSQL container initialises its data folder (docker-entrypoint-initdb.d): the schema owner, which
# runs migrations, and the run-time role the app works as (rows only; INSERT and SELECT on the audit tables). The
# superuser of the image (POSTGRES_USER) is used for nothing else. docs/security.md, "Database roles".
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="$DEPLOYGUARD_OWNER_PASSWORD" -v app_password="$DEPLOYGUARD_APP_PASSWORD" <<'SQL'
CREATE ROLE deployguard_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE deployguard_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
SELECT format('ALTER DATABASE %I OWNER TO deployguard_owner', current_database()) \gexec
ALTER SCHEMA public OWNER TO deployguard_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO deployguard_app;
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO deployguard_app', current_database()) \gexec
SQL
