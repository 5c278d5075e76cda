using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Scanning;

/// <summary>The deployment security gate reads the secret findings stored for a release's commit.</summary>
public sealed class StoredSecretFindingsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Caller Admin = new("gate-admin", "gate-admin@example.test", [Roles.Admin]);

    [Fact]
    public async Task FindAsync_ScanLinkedToAbbreviatedCommit_CountsUnresolvedFindingsBySeverity()
    {
        var service = await CreateServiceAsync();
        var commit = "9f2c4e1a7b3d5f6e8c0a1b2c3d4e5f6a7b8c9d0e";
        var scan = await UploadAsync(service, commit[..10], ("critical", false), ("high", false), ("medium", true), ("critical", false));
        var findings = db.Get<FindingService>();
        var first = (await findings.ListAsync(new FindingQuery { JobId = scan, Take = 10 })).Items.First(f => f.Severity == "critical");
        Assert.True((await findings.TriageAsync([first.Id], FindingStatus.FalsePositive, "sample key in docs", Admin)).Succeeded);

        var summary = await db.Get<ISecurityFindingsSource>().FindAsync(service, null, commit);

        Assert.NotNull(summary);
        Assert.Equal(1, summary.Critical); // one critical was triaged as a false positive
        Assert.Equal(1, summary.High);
        Assert.Equal(0, summary.Medium); // suppressed
        var (decision, reason) = SecurityGatePolicy.Evaluate(SecurityPolicy.Standard, commit, summary);
        Assert.Equal(GateDecision.Reject, decision);
        Assert.Contains("1 critical", reason);
    }

    [Fact]
    public async Task FindAsync_NoScanOfThatCommit_ReturnsNull()
    {
        var service = await CreateServiceAsync();
        await UploadAsync(service, "aaaaaaaaaaaa", ("critical", false));

        var summary = await db.Get<ISecurityFindingsSource>().FindAsync(service, null, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");

        Assert.Null(summary);
    }

    private async Task<Guid> CreateServiceAsync()
    {
        var result = await db.Get<ServiceCatalogService>().CreateAsync(new ServiceInput { Name = $"gate-{Guid.NewGuid():N}"[..20] }, Admin);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.Id;
    }

    private async Task<Guid> UploadAsync(Guid serviceId, string commit, params (string Severity, bool Suppressed)[] findings)
    {
        var service = await db.Get<ServiceCatalogService>().GetAsync(serviceId);
        var now = DateTimeOffset.UtcNow;
        var rows = findings.Select((f, i) => new SecretFinding
        {
            Id = Guid.CreateVersion7(), RuleId = "test-rule", SecretType = "token", Severity = f.Severity,
            SecretValueHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i + Random.Shared.Next()))).ToLowerInvariant(),
            RedactedPreview = "tok_****", ValuePattern = $"tok_[alnum:{20 + i}]", FilePath = $"src/file{i}.cs", Line = 1, Column = 1,
            Suppressed = f.Suppressed, SuppressionReason = f.Suppressed ? "inline deployguard:allow" : null,
        }).ToList();
        var upload = new UploadedScan(SourcePlatform.GitHub, "https://github.com/acme/x.git", "main", commit, service!.Name, 1, 1, now.AddSeconds(-1), now);
        var result = await db.Get<ScanJobService>().RecordUploadAsync(upload, rows, Admin);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.Id;
    }
}
