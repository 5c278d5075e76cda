using Npgsql;

namespace DeployGuard.Data.Postgres;

/// <summary>
/// Least privilege in the database: an owner role that holds the schema (and runs migrations) and a run-time role that
/// may only read and write rows. The run-time role is no superuser, owns nothing and so cannot disable the audit
/// triggers; on the append-only tables it has INSERT and SELECT only.
/// </summary>
public static class DatabaseRoles
{
    /// <summary>Role names of the embedded cluster (and the test cluster's pattern).</summary>
    public const string EmbeddedOwner = "deployguard_owner";

    public const string EmbeddedApp = "deployguard_app";

    /// <summary>Tables the run-time role may append to and read, never change.</summary>
    public static readonly IReadOnlyList<string> AppendOnlyTables = ["audit_logs", "audit_checkpoints"];

    private const string HistoryTable = "__ef_migrations_history";

    /// <summary>
    /// Creates or updates a login role that is neither superuser nor able to create roles or databases. The password is
    /// hex from our own generator (never user input), so it is safe in the statement text.
    /// </summary>
    public static async Task EnsureLoginRoleAsync(NpgsqlConnection superuser, string role, string password, CancellationToken ct = default)
    {
        if (password.Any(c => !char.IsAsciiLetterOrDigit(c)))
        {
            throw new ArgumentException("Role passwords are generated hex strings.", nameof(password));
        }

        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = @role", superuser);
        exists.Parameters.AddWithValue("role", role);
        var verb = await exists.ExecuteScalarAsync(ct) is null ? "CREATE" : "ALTER";
        await ExecuteAsync(superuser,
            $"{verb} ROLE {Ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '{password}'", ct);
    }

    /// <summary>
    /// Run as a superuser on the app's database: hands the database, the public schema and everything in it to
    /// <paramref name="owner"/> (an installation from before the split has them owned by the superuser), takes
    /// CREATE and TEMPORARY away from everybody else, and lets <paramref name="app"/> connect and use the schema.
    /// </summary>
    public static async Task PrepareDatabaseAsync(string superuserConnectionString, string database, string owner, string app,
        CancellationToken ct = default)
    {
        await using (var server = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(superuserConnectionString) { Database = "postgres" }.ConnectionString))
        {
            await server.OpenAsync(ct);
            await ExecuteAsync(server, $"""
                ALTER DATABASE {Ident(database)} OWNER TO {Ident(owner)};
                REVOKE ALL ON DATABASE {Ident(database)} FROM PUBLIC;
                GRANT CONNECT ON DATABASE {Ident(database)} TO {Ident(app)};
                """, ct);
        }

        await using var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(superuserConnectionString) { Database = database }.ConnectionString);
        await db.OpenAsync(ct);
        await using var transfer = new NpgsqlCommand($$"""
            DO $$
            DECLARE
                r record;
                target regrole := {{Literal(owner)}}::regrole;
            BEGIN
                -- Tables, views and standalone sequences (identity sequences follow their table).
                FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = 'public' AND c.relowner <> target AND c.relkind IN ('r', 'p', 'v', 'm', 'f') LOOP
                    EXECUTE format('ALTER TABLE %s OWNER TO %I', r.name, target::text);
                END LOOP;
                FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = 'public' AND c.relowner <> target AND c.relkind = 'S'
                           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
                    EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', r.name, target::text);
                END LOOP;
                FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                         WHERE n.nspname = 'public' AND p.proowner <> target LOOP
                    EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.name, target::text);
                END LOOP;
            END
            $$;
            ALTER SCHEMA public OWNER TO {{Ident(owner)}};
            REVOKE ALL ON SCHEMA public FROM PUBLIC;
            GRANT USAGE ON SCHEMA public TO {{Ident(app)}};
            """, db);
        await transfer.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Run as the schema owner after migrating: DML on every table for the run-time role, INSERT and SELECT only on the
    /// append-only tables, read-only on the migration history, and default privileges so tables that later migrations
    /// create are granted the same way without anyone remembering to.
    /// </summary>
    public static async Task GrantRuntimeAsync(NpgsqlConnection owner, string runtimeRole, CancellationToken ct = default)
    {
        var app = Ident(runtimeRole);
        var statements = new List<string>
        {
            $"GRANT USAGE ON SCHEMA public TO {app}",
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
            $"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
            $"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            $"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}",
        };
        // The report import's staging tables (migration VulnerabilityManagement), where the migration went that far.
        statements.Add($"""
            DO $$ BEGIN
                IF to_regnamespace('import_work') IS NOT NULL THEN
                    GRANT USAGE ON SCHEMA import_work TO {app};
                    GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA import_work TO {app};
                END IF;
            END $$
            """);
        foreach (var table in AppendOnlyTables.Append(HistoryTable))
        {
            var revoke = table == HistoryTable ? "INSERT, UPDATE, DELETE, TRUNCATE" : "UPDATE, DELETE, TRUNCATE";
            statements.Add($"""
                DO $$ BEGIN
                    IF to_regclass('public.{table}') IS NOT NULL THEN
                        REVOKE {revoke}, REFERENCES, TRIGGER ON public.{Ident(table)} FROM {app};
                    END IF;
                END $$
                """);
        }

        await ExecuteAsync(owner, string.Join(";\n", statements), ct);
    }

    public static string Ident(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    private static string Literal(string value) => "'" + value.Replace("'", "''") + "'";

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
