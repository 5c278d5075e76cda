using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Scanning;

/// <summary>The findings list's "group by rule / by file" view: one row per group, largest first, with its open ones.</summary>
public sealed class FindingGroupsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Caller Admin = new("group-admin", "group-admin@example.test", [Roles.Admin]);

    [Fact]
    public async Task GroupAsync_ByRule_LargestFirstWithOpenCounts()
    {
        var scan = await UploadAsync(("aws-key", "a.py"), ("aws-key", "b.py"), ("aws-key", "c.py"), ("slack-webhook", "a.py"));
        var findings = db.Get<FindingService>();
        var aws = (await findings.ListAsync(new FindingQuery { JobId = scan, RuleId = "aws-key", Take = 10 })).Items[0];
        Assert.True((await findings.TriageAsync([aws.Id], FindingStatus.Fixed, null, Admin)).Succeeded);

        var groups = await findings.GroupAsync(new FindingQuery { JobId = scan }, FindingGrouping.Rule);

        Assert.Equal([new FindingGroup("aws-key", 3, 2), new FindingGroup("slack-webhook", 1, 1)], groups);
    }

    [Fact]
    public async Task GroupAsync_ByFileWithARuleFilter_OnlyTheFilteredFindings()
    {
        var scan = await UploadAsync(("aws-key", "a.py"), ("aws-key", "b.py"), ("slack-webhook", "a.py"), ("slack-webhook", "a.py"));

        var groups = await db.Get<FindingService>().GroupAsync(new FindingQuery { JobId = scan, RuleId = "slack-webhook" }, FindingGrouping.File);

        Assert.Equal([new FindingGroup("a.py", 2, 2)], groups);
    }

    private async Task<Guid> UploadAsync(params (string Rule, string File)[] findings)
    {
        var created = await db.Get<ServiceCatalogService>().CreateAsync(new ServiceInput { Name = $"grp-{Guid.NewGuid():N}"[..20] }, Admin);
        Assert.True(created.Succeeded, created.Message);
        var now = DateTimeOffset.UtcNow;
        var rows = findings.Select((f, i) => new SecretFinding
        {
            Id = Guid.CreateVersion7(), RuleId = f.Rule, SecretType = "token", Severity = "high",
            SecretValueHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray())).ToLowerInvariant(),
            RedactedPreview = "tok_****", ValuePattern = $"tok_[alnum:{20 + i}]", FilePath = f.File, Line = i + 1, Column = 1,
        }).ToList();
        var upload = new UploadedScan(SourcePlatform.GitHub, "https://github.com/acme/groups.git", "main", null, created.Value!.Name, 1, 1, now.AddSeconds(-1), now);
        var result = await db.Get<ScanJobService>().RecordUploadAsync(upload, rows, Admin);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.Id;
    }
}
