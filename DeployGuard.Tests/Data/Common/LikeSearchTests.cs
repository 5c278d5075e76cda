using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Email;
using DeployGuard.Data.Services.Releases;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Common;

/// <summary>One database for the class; each test fills a different list, so a search sees only that test's rows.</summary>
public sealed class LikeSearchFixture : IAsyncLifetime
{
    public DeploymentTestKit Kit { get; private set; } = default!;

    public async Task InitializeAsync() => Kit = await DeploymentTestKit.CreateAsync();

    public async Task DisposeAsync() => await Kit.DisposeAsync();
}

/// <summary>
/// Every list's search box: <c>a_b</c> and <c>100%</c> find the rows that contain exactly that text, never
/// <c>aXb</c> or <c>1000</c> (the wildcards are escaped, and the escape character is passed to ILIKE).
/// </summary>
public sealed class LikeSearchTests(LikeSearchFixture fixture) : IClassFixture<LikeSearchFixture>
{
    private DeploymentTestKit Kit => fixture.Kit;

    /// <summary>Four texts with a shared tag: the two that must match (a_b, 100%) and their wildcard look-alikes.</summary>
    private static (string AB, string AXB, string Percent, string Thousand) Texts(string tag) =>
        ($"{tag} a_b", $"{tag} aXb", $"{tag} 100%", $"{tag} 1000");

    /// <summary>Searches for a_b and 100%; of the texts found, those of this test (its tag) must be exactly the literal ones.</summary>
    private static async Task AssertLiteralAsync(Func<string, Task<IEnumerable<string?>>> search, (string AB, string AXB, string Percent, string Thousand) texts)
    {
        var tag = texts.AB[..texts.AB.IndexOf(' ')];
        Assert.Equal([texts.AB], (await search("a_b")).Where(t => t?.StartsWith(tag, StringComparison.Ordinal) == true));
        Assert.Equal([texts.Percent], (await search("100%")).Where(t => t?.StartsWith(tag, StringComparison.Ordinal) == true));
    }

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task TeamsListAsync_SearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        await using (var db = Kit.Db())
        {
            db.Teams.AddRange(new[] { texts.AB, texts.AXB, texts.Percent, texts.Thousand }.Select(n => new Team { Id = Guid.CreateVersion7(), Name = n }));
            await db.SaveChangesAsync();
        }

        await AssertLiteralAsync(async s => (await Kit.Get<TeamService>().ListAsync(new ListQuery { Search = s })).Items.Select(t => (string?)t.Name), texts);
    }

    [Fact]
    public async Task ServicesListAsync_SearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        await using (var db = Kit.Db())
        {
            db.Services.AddRange(new[] { texts.AB, texts.AXB, texts.Percent, texts.Thousand }
                .Select(n => new Service { Id = Guid.CreateVersion7(), Name = n, DefaultBranch = "main" }));
            await db.SaveChangesAsync();
        }

        await AssertLiteralAsync(async s => (await Kit.Get<ServiceCatalogService>().ListAsync(new ServiceQuery { Search = s })).Items
            .Select(r => (string?)r.Name), texts);
    }

    [Fact]
    public async Task EnvironmentsListAsync_SearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        await using (var db = Kit.Db())
        {
            db.Environments.AddRange(new[] { texts.AB, texts.AXB, texts.Percent, texts.Thousand }
                .Select(n => new DeploymentEnvironment { Id = Guid.CreateVersion7(), Name = n, Type = EnvironmentType.Staging }));
            await db.SaveChangesAsync();
        }

        await AssertLiteralAsync(async s => (await Kit.Get<EnvironmentService>().ListAsync(new EnvironmentQuery { Search = s })).Items
            .Select(r => (string?)r.Name), texts);
    }

    [Fact]
    public async Task UsersListAsync_SearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        foreach (var name in new[] { texts.AB, texts.AXB, texts.Percent, texts.Thousand })
        {
            await Kit.UserAsync(Roles.Viewer, name);
        }

        await AssertLiteralAsync(async s => (await Kit.Get<UserAdminService>().ListAsync(new UserQuery { Search = s })).Items.Select(u => u.DisplayName), texts);
    }

    [Fact]
    public async Task OutboxListAsync_SearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        await using (var db = Kit.Db())
        {
            db.OutboxEmails.AddRange(new[] { texts.AB, texts.AXB, texts.Percent, texts.Thousand }
                .Select(subject => new OutboxEmail { Id = Guid.CreateVersion7(), To = "someone@test.local", Subject = subject, HtmlBody = "<p>hi</p>" }));
            await db.SaveChangesAsync();
        }

        await AssertLiteralAsync(async s => (await Kit.Get<OutboxService>().ListAsync(s, 0, 50)).Items.Select(m => (string?)m.Subject), texts);
    }

    [Fact]
    public async Task ReleasesListAsync_SearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        var service = await Kit.ServiceAsync();
        await using (var db = Kit.Db())
        {
            db.Releases.AddRange(new[] { texts.AB, texts.AXB, texts.Percent, texts.Thousand }.Select((branch, i) => new Release
            {
                Id = Guid.CreateVersion7(), ServiceId = service.Id, Version = $"1.0.{i}", VersionSortKey = $"1.0.{i}", Branch = branch,
            }));
            await db.SaveChangesAsync();
        }

        await AssertLiteralAsync(async s => (await Kit.Get<ReleaseService>().ListAsync(new ReleaseQuery { Search = s })).Items.Select(r => r.Branch), texts);
    }

    [Fact]
    public async Task DeploymentsListAsync_SearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        var service = await Kit.ServiceAsync();
        var release = await Kit.ReleaseAsync(service.Id);
        var environment = await Kit.EnvironmentAsync("like");
        await using (var db = Kit.Db())
        {
            db.Deployments.AddRange(new[] { texts.AB, texts.AXB, texts.Percent, texts.Thousand }.Select(who => new Deployment
            {
                Id = Guid.CreateVersion7(), ServiceId = service.Id, ReleaseId = release, EnvironmentId = environment.Id, Status = DeploymentStatus.Succeeded,
                TriggeredByName = who,
            }));
            await db.SaveChangesAsync();
        }

        await AssertLiteralAsync(async s => (await Kit.Get<DeploymentQueries>().ListAsync(new DeploymentQuery { Search = s })).Items
            .Select(d => d.TriggeredByName), texts);
    }

    [Fact]
    public async Task LogsReadAndWindowAsync_SearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        var service = await Kit.ServiceAsync();
        var release = await Kit.ReleaseAsync(service.Id);
        var environment = await Kit.EnvironmentAsync("logs");
        var deploymentId = Guid.CreateVersion7();
        await using (var db = Kit.Db())
        {
            db.Deployments.Add(new Deployment
            {
                Id = deploymentId, ServiceId = service.Id, ReleaseId = release, EnvironmentId = environment.Id, Status = DeploymentStatus.Succeeded,
            });
            await db.SaveChangesAsync();
        }

        var logs = Kit.Get<LogStore>();
        await logs.AppendAsync(deploymentId, new[] { texts.AB, texts.AXB, texts.Percent, texts.Thousand }
            .Select(m => new NewLogLine(null, DateTimeOffset.UtcNow, DeploymentLogLevel.Info, DeploymentLogSource.Stage, null, m)).ToList());

        await AssertLiteralAsync(async s => (await logs.ReadAsync(deploymentId, new LogQuery { Search = s })).Select(l => (string?)l.Message), texts);
        await AssertLiteralAsync(async s => (await logs.WindowAsync(deploymentId, new LogQuery { Search = s }, 0, 100)).Select(l => (string?)l.Message), texts);
    }

    /// <summary>One scan per text, each with one finding in a file named after the text.</summary>
    private async Task ScansWithFindingsAsync(IEnumerable<string> texts)
    {
        await using var db = Kit.Db();
        foreach (var text in texts)
        {
            var job = new ScanJob { Id = Guid.CreateVersion7(), SourcePlatform = SourcePlatform.Local, SourceUrl = $"/srv/{text}", Status = ScanStatus.Completed };
            db.ScanJobs.Add(job);
            db.SecretFindings.Add(new SecretFinding
            {
                Id = Guid.CreateVersion7(), JobId = job.Id, RuleId = "generic-api-key", SecretType = "generic", Severity = "high",
                SecretValueHash = Guid.NewGuid().ToString("N"), RedactedPreview = "ab…", ValuePattern = "x", FilePath = $"src/{text}.cs", Line = 1, Column = 1,
                // One row per value and file per scope (issue 11): each gets its own identity.
                ScopeKey = $"job:{job.Id}", Identity = Guid.NewGuid().ToString("N"), LastJobId = job.Id, LastSeenAt = DateTimeOffset.UtcNow,
            });
        }

        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task FindingsListAsync_SearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        await ScansWithFindingsAsync([texts.AB, texts.AXB, texts.Percent, texts.Thousand]);

        await AssertLiteralAsync(async s => (await Kit.Get<FindingService>().ListAsync(new FindingQuery { Search = s })).Items
            .Select(f => (string?)f.FilePath["src/".Length..^".cs".Length]), texts);
    }

    [Fact]
    public async Task ScansListAsync_SearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        await ScansWithFindingsAsync([texts.AB, texts.AXB, texts.Percent, texts.Thousand]);

        await AssertLiteralAsync(async s => (await Kit.Get<ScanJobService>().ListAsync(new ScanJobQuery { Search = s })).Items
            .Select(j => (string?)j.SourceUrl["/srv/".Length..]), texts);
    }

    [Fact]
    public async Task AuditPageAsync_ActorSearchWithWildcards_MatchesLiterally()
    {
        var texts = Texts(Tag());
        var writer = Kit.Get<AuditWriter>();
        foreach (var name in new[] { texts.AB, texts.AXB, texts.Percent, texts.Thousand })
        {
            await writer.WriteAsync(new AuditActor(null, name), AuditActions.SignInFailed, ResourceTypes.User, null);
        }

        await AssertLiteralAsync(async s => (await Kit.Get<AuditService>().PageAsync(new AuditFilter { Actor = s })).Rows.Select(r => r.UserName), texts);
    }
}
