using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DeployGuard.Data.Postgres;

/// <summary>Reads the database location from configuration: a connection string or a seed-style URL.</summary>
public static class DatabaseConnection
{
    public const string ConnectionStringName = "DeployGuard";

    public const string MigrationsConnectionStringName = "Migrations";

    /// <summary>
    /// <c>ConnectionStrings:DeployGuard</c> first, then <c>DATABASE_URL</c>
    /// (<c>postgresql://user:pass@host:5432/db</c>); null when neither is set (embedded default).
    /// </summary>
    public static string? FromConfiguration(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }

        var url = configuration["DATABASE_URL"];
        return string.IsNullOrWhiteSpace(url) ? null : FromUrl(url);
    }

    /// <summary>
    /// The schema owner's connection for migrations: <c>ConnectionStrings:Migrations</c>, then <c>MIGRATIONS_DATABASE_URL</c>;
    /// null when neither is set (migrations then run as the run-time role, and the app warns about it).
    /// </summary>
    public static string? MigrationsFromConfiguration(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(MigrationsConnectionStringName);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }

        var url = configuration["MIGRATIONS_DATABASE_URL"];
        return string.IsNullOrWhiteSpace(url) ? null : FromUrl(url);
    }

    public static string FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) ||
            uri.Scheme is not ("postgresql" or "postgres" or "postgresql+asyncpg" or "postgresql+psycopg2"))
        {
            throw BadUrl($"DATABASE_URL must look like postgresql://user:pass@host:5432/database (got scheme '{(uri?.Scheme ?? "none")}').");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            // Uri keeps the brackets of an IPv6 literal ([::1]); Npgsql wants the bare address.
            Host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "deployguard",
        };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            if (key.Equals("sslmode", StringComparison.OrdinalIgnoreCase))
            {
                // libpq spells them verify-ca / verify-full; a typo must not quietly fall back to 'prefer'.
                var mode = value.Replace("-", "");
                builder.SslMode = mode.Length > 0 && mode.All(char.IsAsciiLetter) && Enum.TryParse<SslMode>(mode, true, out var ssl)
                    ? ssl
                    : throw BadUrl($"DATABASE_URL has an unknown sslmode '{value}': use disable, allow, prefer, require, verify-ca or verify-full.");
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>A bad setting like any other: start-up stops with this one line (never the URL, which holds the password).</summary>
    private static OptionsValidationException BadUrl(string message) => new("DATABASE_URL", typeof(string), [message]);
}
