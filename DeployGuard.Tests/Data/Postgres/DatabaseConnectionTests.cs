using DeployGuard.Data.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DeployGuard.Tests.Data.Postgres;

/// <summary>DATABASE_URL in the seeds' URL form, and its precedence against ConnectionStrings:DeployGuard.</summary>
public sealed class DatabaseConnectionTests
{
    [Fact]
    public void FromUrl_FullUrl_MapsEveryPart()
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseConnection.FromUrl("postgresql://deploy:s3cret@db.example.com:6543/guard"));

        Assert.Equal(("db.example.com", 6543, "guard", "deploy", "s3cret"), (cs.Host, cs.Port, cs.Database, cs.Username, cs.Password));
    }

    [Theory]
    [InlineData("postgres://u:p@h/d")]
    [InlineData("postgresql+asyncpg://u:p@h/d")]
    [InlineData("postgresql+psycopg2://u:p@h/d")]
    public void FromUrl_SeedSchemes_AreAccepted(string url)
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseConnection.FromUrl(url));

        Assert.Equal(("h", 5432, "d", "u", "p"), (cs.Host, cs.Port, cs.Database, cs.Username, cs.Password));
    }

    [Fact]
    public void FromUrl_PercentEncodedCredentials_AreDecoded()
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseConnection.FromUrl("postgresql://us%40er:p%40ss%3Aw%2Fo%23rd@localhost/my%20db"));

        Assert.Equal(("us@er", "p@ss:w/o#rd", "my db"), (cs.Username, cs.Password, cs.Database));
    }

    [Fact]
    public void FromUrl_NoPortDatabaseOrPassword_UsesDefaults()
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseConnection.FromUrl("postgresql://admin@localhost"));

        Assert.Equal(("localhost", 5432, "deployguard", "admin", null), (cs.Host, cs.Port, cs.Database, cs.Username, cs.Password));
    }

    [Fact]
    public void FromUrl_Ipv6Host_IsUsedWithoutBrackets()
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseConnection.FromUrl("postgresql://u:p@[::1]:5433/d"));

        Assert.Equal(("::1", 5433), (cs.Host, cs.Port));
    }

    [Theory]
    [InlineData("require", SslMode.Require)]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("VERIFY-FULL", SslMode.VerifyFull)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    public void FromUrl_SslModeQuery_IsApplied(string mode, SslMode expected)
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseConnection.FromUrl($"postgresql://u:p@h/d?application_name=x&sslmode={mode}"));

        Assert.Equal(expected, cs.SslMode);
    }

    [Theory]
    [InlineData("requre")]
    [InlineData("1")]
    public void FromUrl_UnknownSslMode_Throws(string mode)
    {
        var error = Assert.Throws<OptionsValidationException>(() => DatabaseConnection.FromUrl($"postgresql://u:p@h/d?sslmode={mode}"));

        Assert.Contains(mode, error.Message);
    }

    [Theory]
    [InlineData("mysql://u:p@h/d")]
    [InlineData("http://u:p@h/d")]
    [InlineData("not a url")]
    [InlineData("localhost:5432")]
    [InlineData("Host=h;Database=d")]
    public void FromUrl_NotAPostgresUrl_ThrowsWithTheExpectedForm(string url)
    {
        var error = Assert.Throws<OptionsValidationException>(() => DatabaseConnection.FromUrl(url));

        Assert.Contains("postgresql://user:pass@host:5432/database", error.Message);
    }

    [Fact]
    public void FromConfiguration_BothSet_ConnectionStringWins()
    {
        var configuration = Configuration(("ConnectionStrings:DeployGuard", "Host=primary;Database=a"), ("DATABASE_URL", "postgresql://u:p@other/b"));

        var result = DatabaseConnection.FromConfiguration(configuration);

        Assert.Equal("Host=primary;Database=a", result);
    }

    [Fact]
    public void FromConfiguration_OnlyUrl_ConvertsTheUrl()
    {
        var configuration = Configuration(("DATABASE_URL", "postgresql://u:p@other:5444/b"));

        var cs = new NpgsqlConnectionStringBuilder(DatabaseConnection.FromConfiguration(configuration));

        Assert.Equal(("other", 5444, "b"), (cs.Host, cs.Port, cs.Database));
    }

    [Fact]
    public void FromConfiguration_NeitherOrBlank_IsNullForTheEmbeddedDefault()
    {
        Assert.Null(DatabaseConnection.FromConfiguration(Configuration()));
        Assert.Null(DatabaseConnection.FromConfiguration(Configuration(("ConnectionStrings:DeployGuard", " "), ("DATABASE_URL", ""))));
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, v.Value))).Build();
}
