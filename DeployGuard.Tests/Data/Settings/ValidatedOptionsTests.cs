using DeployGuard.Data.Postgres;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Settings;
using DeployGuard.Web.Auth;
using DeployGuard.Web.Email;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeployGuard.Tests.Data.Settings;

/// <summary>Settings bound and checked on start: each options class's rules, each failure naming its key.</summary>
public sealed class ValidatedOptionsTests
{
    private static ServiceProvider Services(Action<IServiceCollection> register, params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());
        register(services);
        return services.BuildServiceProvider();
    }

    /// <summary>What start-up would report: the failures of every validated section.</summary>
    private static IReadOnlyList<string> StartupFailures(ServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (Exception e) when (ValidatedOptions.Failures(e) is { } failures)
        {
            return failures;
        }
    }

    private static void All(IServiceCollection s)
    {
        s.AddValidatedOptions<ScanningOptions>(ScanningOptions.Section);
        s.AddValidatedOptions<SmtpOptions>(SmtpOptions.Section);
        s.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section);
        s.AddValidatedOptions<EmbeddedDatabaseOptions>(EmbeddedDatabaseOptions.Section);
        s.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        s.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section);
    }

    [Fact]
    public void AddValidatedOptions_NothingConfigured_DefaultsAreValid()
    {
        using var services = Services(All);

        Assert.Empty(StartupFailures(services));
        var scanning = services.GetRequiredService<IOptions<ScanningOptions>>().Value;
        Assert.Equal(Environment.ProcessorCount, scanning.ResolveParallelism());
        Assert.Equal(0.8, scanning.FalsePositiveConfidence);
        Assert.False(services.GetRequiredService<IOptions<SmtpOptions>>().Value.IsConfigured);
        Assert.True(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup);
    }

    [Fact]
    public void AddValidatedOptions_ValidValues_AreBound()
    {
        using var services = Services(All, ("Scanning:Parallelism", "2"), ("Scanning:AllowLocalRepositories", "true"),
            ("Scanning:WorkDirectory", "/srv/work"), ("Smtp:Host", "mail.test"), ("Smtp:Port", "465"), ("Smtp:UserName", "u"), ("Smtp:Password", "p"),
            ("Database:MigrateOnStartup", "false"));

        Assert.Empty(StartupFailures(services));
        var scanning = services.GetRequiredService<IOptions<ScanningOptions>>().Value;
        Assert.Equal((2, true, "/srv/work"), (scanning.ResolveParallelism(), scanning.AllowLocalRepositories, scanning.ResolveWorkDirectory()));
        Assert.Equal(465, services.GetRequiredService<IOptions<SmtpOptions>>().Value.Port);
        Assert.False(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup);
    }

    [Theory]
    [InlineData("Scanning:Parallelism", "0", "Scanning:Parallelism must be between 1 and 256")]
    [InlineData("Scanning:Parallelism", "257", "Scanning:Parallelism must be between 1 and 256")]
    [InlineData("Scanning:Parallelism", "two", "'Scanning:Parallelism'")]
    [InlineData("Scanning:FalsePositiveConfidence", "0", "Scanning:FalsePositiveConfidence must be between 0 exclusive and 1")]
    [InlineData("Scanning:FalsePositiveConfidence", "1.5", "Scanning:FalsePositiveConfidence must be between 0 exclusive and 1")]
    [InlineData("Scanning:AllowLocalRepositories", "sometimes", "'Scanning:AllowLocalRepositories'")]
    [InlineData("Smtp:Port", "0", "Smtp:Port must be between 1 and 65535")]
    [InlineData("Smtp:Port", "70000", "Smtp:Port must be between 1 and 65535")]
    [InlineData("Smtp:From", "not-an-address", "Smtp:From field is not a valid e-mail address")]
    [InlineData("Smtp:From", "", "Smtp:From field is required")]
    [InlineData("Smtp:CertificateSha256", "abc", "Smtp:CertificateSha256 must be the certificate's SHA-256 in hex")]
    [InlineData("Smtp:UserName", "bob", "Smtp:UserName and Smtp:Password go together")]
    [InlineData("Smtp:Password", "secret-value", "Smtp:UserName and Smtp:Password go together")]
    [InlineData("Database:MigrateOnStartup", "yes", "'Database:MigrateOnStartup'")]
    [InlineData("Database:Embedded:DatabaseName", "Deploy-Guard", "Database:Embedded:DatabaseName must be lower-case letters")]
    public void AddValidatedOptions_BadValue_StartupFailsNamingTheKey(string key, string value, string expected)
    {
        using var services = Services(All, (key, value));

        var failure = Assert.Single(StartupFailures(services));

        Assert.Contains(expected, failure);
        Assert.DoesNotContain("secret-value", failure);
    }

    [Fact]
    public void AddValidatedOptions_SmtpPasswordWithoutTls_IsRefused()
    {
        using var services = Services(All, ("Smtp:Host", "mail.test"), ("Smtp:EnableSsl", "false"), ("Smtp:UserName", "u"), ("Smtp:Password", "p"));

        Assert.Equal(["Smtp:EnableSsl is false but Smtp:UserName is set: the password would cross the network in clear."], StartupFailures(services));
    }

    [Fact]
    public void AddValidatedOptions_SeveralBadSections_ReportsEveryFailure()
    {
        using var services = Services(All, ("Scanning:FalsePositiveConfidence", "2"), ("Scanning:Parallelism", "0"), ("Smtp:Port", "0"));

        var failures = StartupFailures(services);

        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.Contains("Scanning:FalsePositiveConfidence", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Scanning:Parallelism", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Smtp:Port", StringComparison.Ordinal));
    }

    [Fact]
    public void GetValidated_BadValue_ThrowsBeforeAnyContainerExists()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create("Database:Embedded:DatabaseName", (string?)"a;b")]).Build();

        var error = Assert.Throws<OptionsValidationException>(() => configuration.GetValidated<EmbeddedDatabaseOptions>(EmbeddedDatabaseOptions.Section));

        Assert.Contains("Database:Embedded:DatabaseName", Assert.Single(error.Failures));
    }

    [Fact]
    public void AddValidatedOptions_AccessSettings_DefaultsAndValuesAreBound()
    {
        using var defaults = Services(All);
        using var configured = Services(All, ("Auth:Registration", "Open"), ("Auth:AllowedDomains", "example.com, @Corp.Example"),
            ("Auth:RateLimits:ApiRequestsPerMinute", "600"));

        Assert.Empty(StartupFailures(defaults));
        Assert.Equal(RegistrationPolicy.FirstUserOnly, defaults.GetRequiredService<IOptions<AuthOptions>>().Value.Registration);
        Assert.Equal(10, defaults.GetRequiredService<IOptions<RateLimitOptions>>().Value.FailedSignInsPerAddressPerMinute);
        Assert.Empty(StartupFailures(configured));
        var auth = configured.GetRequiredService<IOptions<AuthOptions>>().Value;
        Assert.Equal(RegistrationPolicy.Open, auth.Registration);
        Assert.Equal(["example.com", "corp.example"], auth.Domains);
        Assert.Equal(600, configured.GetRequiredService<IOptions<RateLimitOptions>>().Value.ApiRequestsPerMinute);
    }

    [Theory]
    [InlineData("Auth:Registration", "Everyone", "Auth:Registration")]
    [InlineData("Auth:AllowedDomains", "example.com, not a domain", "Auth:AllowedDomains: 'not' is not a domain name")]
    [InlineData("Auth:RateLimits:FailedSignInsPerAddressPerMinute", "0", "Auth:RateLimits:FailedSignInsPerAddressPerMinute must be at least 1.")]
    [InlineData("Auth:RateLimits:ApiRequestsPerMinute", "-5", "Auth:RateLimits:ApiRequestsPerMinute must be at least 1.")]
    public void AddValidatedOptions_BadAccessSetting_StopsStartUpNamingTheKey(string key, string value, string expected)
    {
        using var services = Services(All, (key, value));

        var failure = Assert.Single(StartupFailures(services));
        Assert.Contains(expected, failure);
    }
}
