using DeployGuard.Cli.Commands;
using DeployGuard.Data;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Tokens;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Fixtures;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Cli;

/// <summary>
/// <c>deployguard report upload</c> and <c>deployguard gate</c> against the real app on a real port, with a real API token:
/// a Grype report with two critical findings (six results, five findings) blocks the standard policy (exit 1), accepting both leaves the highs (warn, exit 2),
/// a clean report approves (exit 0).
/// </summary>
public sealed class CliReportGateTests(KestrelAppFactory app) : IClassFixture<KestrelAppFactory>
{
    [Fact]
    public async Task ReportUploadThenGate_CriticalsBlock_AcceptedWarn_CleanApproves()
    {
        var (token, service, environment) = await SetUpAsync();
        var commit = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + "abcdef01";
        var report = ReportFixtures.PathOf("grype/grype-dd-1.json");

        var upload = await CliScanTests.RunAsync("report", "upload", report, "--server", app.BaseUrl, "--token", token, "--service", service.Name, "--commit", commit);
        var again = await CliScanTests.RunAsync("report", "upload", report, "--server", app.BaseUrl, "--token", token, "--service", service.Name, "--commit", commit);
        var blocked = await CliScanTests.RunAsync("gate", "--server", app.BaseUrl, "--token", token, "--service", service.Name, "--environment", environment, "--commit", commit);
        await AcceptCriticalsAsync(service.Id);
        var warned = await CliScanTests.RunAsync("gate", "--server", app.BaseUrl, "--token", token, "--service", service.Name, "--environment", environment, "--commit", commit);

        Assert.True(upload.Exit == 0, upload.Err);
        // Six matches; Grype lists Django's GHSA twice (same package, version and location): five findings.
        Assert.True(upload.Out.Contains("6 result(s) in the report, 5 finding(s): 5 new, 0 unchanged, 0 reopened, 0 fixed.") && upload.Out.Contains("critical 2"),
            upload.Out);
        Assert.True(again.Out.Contains("5 finding(s): 0 new, 5 unchanged, 0 reopened, 0 fixed."), again.Out);
        Assert.True(blocked.Exit == GateCommand.Block, blocked.Out + blocked.Err);
        Assert.StartsWith("REJECT", blocked.Out);
        Assert.Contains("CVE-2021-33574", blocked.Out);
        Assert.True(warned.Exit == GateCommand.Warn, warned.Out + warned.Err);
        Assert.StartsWith("WARN", warned.Out);
    }

    [Fact]
    public async Task Gate_CleanScanOfTheCommit_ApprovesExitZero()
    {
        var (token, service, environment) = await SetUpAsync();
        var commit = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var upload = await CliScanTests.RunAsync("report", "upload", ReportFixtures.PathOf("trivy/trivy-dd-3.json"), "--server", app.BaseUrl, "--token", token,
            "--service", service.Name, "--commit", commit);

        var gate = await CliScanTests.RunAsync("gate", "--server", app.BaseUrl, "--token", token, "--service", service.Name, "--environment", environment, "--commit", commit);

        Assert.True(upload.Exit == 0, upload.Err);
        Assert.True(gate.Exit == GateCommand.Approve, gate.Out + gate.Err);
        Assert.StartsWith("APPROVE", gate.Out);
    }

    [Theory]
    [InlineData("no-such-service", null)]
    [InlineData(null, "no-such-environment")]
    public async Task Gate_UnknownServiceOrEnvironment_ExitsThreeNamingIt(string? badService, string? badEnvironment)
    {
        var (token, service, environment) = await SetUpAsync();

        var gate = await CliScanTests.RunAsync("gate", "--server", app.BaseUrl, "--token", token, "--service", badService ?? service.Name,
            "--environment", badEnvironment ?? environment);

        Assert.Equal(GateCommand.NotAsked, gate.Exit);
        Assert.Contains(badService ?? badEnvironment!, gate.Err);
    }

    [Fact]
    public async Task Gate_MissingEnvironmentOrBadToken_ExitsThreeNotWarn()
    {
        var (_, service, environment) = await SetUpAsync();

        var usage = await CliScanTests.RunAsync("gate", "--server", app.BaseUrl, "--token", "x", "--service", service.Name);
        var badToken = await CliScanTests.RunAsync("gate", "--server", app.BaseUrl, "--token", "dg_not_a_token", "--service", service.Name, "--environment", environment);
        var upload = await CliScanTests.RunAsync("report", "upload", ReportFixtures.PathOf("trivy/trivy-dd-3.json"), "--server", app.BaseUrl, "--token", "dg_not_a_token");

        Assert.Equal(GateCommand.NotAsked, usage.Exit);
        Assert.Equal(GateCommand.NotAsked, badToken.Exit);
        Assert.Contains("401", badToken.Err);
        Assert.Equal(2, upload.Exit);
        Assert.Contains("401", upload.Err);
    }

    [Fact]
    public async Task ReportUploadAndGate_CiTokenOfTheService_AreItsServicesAndAnotherServicesTokenIsRefused()
    {
        var (_, service, environment) = await SetUpAsync();
        var (_, other, _) = await SetUpAsync();
        var admin = (await TestUsers.CreateAsync(app.Services, Roles.Admin)).AsCaller(Roles.Admin);
        var tokens = app.Services.GetRequiredService<ApiTokenService>();
        var own = (await tokens.CreateAsync(new ApiTokenInput("ci", 1, service.Id), admin)).Value!.Value;
        var foreign = (await tokens.CreateAsync(new ApiTokenInput("ci", 1, other.Id), admin)).Value!.Value;

        var commit = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + "abcdef01";

        var asked = await CliScanTests.RunAsync("gate", "--server", app.BaseUrl, "--token", own, "--service", service.Name, "--environment", environment,
            "--commit", commit);
        // No --service: a CI token's report is its own service's.
        var upload = await CliScanTests.RunAsync("report", "upload", ReportFixtures.PathOf("grype/grype-dd-1.json"), "--server", app.BaseUrl, "--token", own,
            "--commit", commit);
        var judged = await CliScanTests.RunAsync("gate", "--server", app.BaseUrl, "--token", own, "--service", service.Name, "--environment", environment,
            "--commit", commit);
        var foreignUpload = await CliScanTests.RunAsync("report", "upload", ReportFixtures.PathOf("trivy/trivy-dd-3.json"), "--server", app.BaseUrl,
            "--token", foreign, "--service", service.Name);
        var refused = await CliScanTests.RunAsync("gate", "--server", app.BaseUrl, "--token", foreign, "--service", service.Name, "--environment", environment);
        var unknown = await CliScanTests.RunAsync("gate", "--server", app.BaseUrl, "--token", foreign, "--service", "no-such-service", "--environment", environment);

        // Nothing scanned yet: the standard policy warns (a CI pipeline's own token gets the gate's answer).
        Assert.True(asked.Exit == GateCommand.Warn, asked.Out + asked.Err);
        Assert.True(upload.Exit == 0, upload.Out + upload.Err);
        // The report landed on the token's service and commit: its criticals block.
        Assert.True(judged.Exit == GateCommand.Block, judged.Out + judged.Err);
        Assert.Equal(2, foreignUpload.Exit);
        Assert.Contains("403", foreignUpload.Err);
        Assert.Equal(GateCommand.NotAsked, refused.Exit);
        Assert.Contains("403", refused.Err);
        // Another service's token learns nothing about which names exist.
        Assert.Contains("403", unknown.Err);
    }

    private async Task<(string Token, Service Service, string Environment)> SetUpAsync()
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Engineer);
        var token = await app.Services.GetRequiredService<ApiTokenService>().CreateAsync("cli", 30, user.AsCaller(Roles.Engineer));
        Assert.True(token.Succeeded, token.Message);
        var created = await app.Services.GetRequiredService<ServiceCatalogService>().CreateAsync(new ServiceInput { Name = $"cli-{Guid.NewGuid():N}"[..20] },
            new Caller("cli-admin", "admin", [Roles.Admin]));
        Assert.True(created.Succeeded, created.Message);
        var environment = $"prod-{Guid.NewGuid():N}"[..14];
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        db.Environments.Add(new DeploymentEnvironment
        {
            Id = Guid.CreateVersion7(), Name = environment, Type = EnvironmentType.Production, SortOrder = Random.Shared.Next(1, 100_000),
            SecurityPolicy = SecurityPolicy.Standard,
        });
        await db.SaveChangesAsync();
        var service = await db.Services.AsNoTracking().SingleAsync(s => s.Id == created.Value!.Id);
        return (token.Value!.Value, service, environment);
    }

    private async Task AcceptCriticalsAsync(Guid service)
    {
        var approver = await TestUsers.CreateAsync(app.Services, Roles.Approver);
        var criticals = (await app.Services.GetRequiredService<VulnerabilitySearch>().ListAsync(new VulnerabilityQuery
        {
            ServiceId = service, MinSeverity = DeployGuard.Scanning.Severity.Critical,
        })).Items.Select(f => f.Id).ToList();
        Assert.Equal(2, criticals.Count);
        var accepted = await app.Services.GetRequiredService<RiskService>().AcceptAsync(new FindingRefs(criticals, []), "glibc mq_notify: not reachable in this image",
            DateTimeOffset.UtcNow.AddDays(30), approver.AsCaller(Roles.Approver));
        Assert.True(accepted.Succeeded, accepted.Message);
    }
}
