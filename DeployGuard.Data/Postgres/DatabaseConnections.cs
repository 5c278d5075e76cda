using Npgsql;

namespace DeployGuard.Data.Postgres;

/// <summary>
/// The two database identities of the app: <see cref="Runtime"/> (what the web app and its workers use: DML on its
/// tables, INSERT and SELECT only on the audit tables) and <see cref="Migrations"/> (the schema owner, used by
/// <c>db upgrade</c> and the start-up migration). They are the same string when only one is configured; the app then
/// warns that its run-time role can rewrite the audit trail (see <see cref="DatabasePrivileges"/>).
/// </summary>
public sealed record DatabaseConnections(string Runtime, string Migrations)
{
    public DatabaseConnections(string single) : this(single, single)
    {
    }

    public string RuntimeRole => new NpgsqlConnectionStringBuilder(Runtime).Username ?? "";

    public string MigrationsRole => new NpgsqlConnectionStringBuilder(Migrations).Username ?? "";

    /// <summary>Whether migrations run under a role of their own, so run-time grants must be given to <see cref="RuntimeRole"/>.</summary>
    public bool Separated => !string.Equals(RuntimeRole, MigrationsRole, StringComparison.Ordinal) && RuntimeRole.Length > 0;
}
