namespace DeployGuard.Data.Postgres;

/// <summary>Section <c>Database</c> (the connection itself: <c>ConnectionStrings:DeployGuard</c> or <c>DATABASE_URL</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Apply pending migrations when the server starts; false when an init container or an operator runs <c>db upgrade</c>.</summary>
    public bool MigrateOnStartup { get; set; } = true;
}
