using System.Net;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Tests.Scanning.Support;

using static DeployGuard.Tests.Web.Scanning.ScanFlow;

namespace DeployGuard.Tests.Web.Scanning;

/// <summary>
/// A cleaning removes only what was selected: its record says so ("1 selected secret removed from 1 commit; 1 other
/// finding remains"), lists what the re-scan still found, and only admins and the service's team download the bundle.
/// </summary>
public sealed class CleanedBundleAccessTests(CapturingWebAppFactory app) : IClassFixture<CapturingWebAppFactory>
{
    [Fact]
    public async Task Cleaning_OneOfTwoSecrets_SaysWhatRemainsAndOnlyTheTeamDownloads()
    {
        var fake = new FakeSecrets(41);
        var awsKey = "AKIA" + fake.Base32(16);
        var githubToken = "gh" + "p_" + fake.Alnum(36);
        using var repo = new TempGitRepo();
        repo.Write("deploy.sh", $"export AWS_ACCESS_KEY_ID={awsKey}\n");
        repo.Commit("deploy script");
        repo.Write("ci.env", $"GITHUB_TOKEN={githubToken}\n");
        repo.Commit("ci");
        repo.Write("README.md", "# service\n");
        repo.Commit("readme");

        var admin = (await TestUsers.CreateAsync(app.Services, Roles.Admin)).AsCaller(Roles.Admin);
        var member = await TestUsers.CreateAsync(app.Services, Roles.Engineer);
        var outsider = await TestUsers.CreateAsync(app.Services, Roles.Engineer);
        var team = (await app.Service<TeamService>().CreateAsync(new TeamInput { Name = $"Bundle {Guid.NewGuid():N}"[..20], MemberIds = [member.Id] }, admin)).Value!;
        var service = (await app.Service<ServiceCatalogService>().CreateAsync(new ServiceInput { Name = $"bnd-{Guid.NewGuid():N}"[..20], TeamId = team.Id }, admin)).Value!;
        var started = await app.Service<ScanJobService>().CreateAsync(
            new ScanJobInput { SourcePlatform = SourcePlatform.Local, SourceUrl = repo.Path, ServiceId = service.Id }, admin);
        Assert.True(started.Succeeded, started.Message);
        await app.WaitForScanAsync(started.Value!.Id, j => j.Status == ScanStatus.Completed);
        var findings = app.Service<FindingService>();
        var aws = Assert.Single((await findings.ListAsync(new FindingQuery { JobId = started.Value.Id })).Items, f => f.RuleId == "aws-access-key-id");
        Assert.True((await findings.SelectForCleaningAsync([aws.Id], true, admin)).Succeeded);
        var request = await app.Service<CleanJobService>().RequestAsync(started.Value.Id, admin);
        Assert.True(request.Succeeded, request.Message);

        var clean = await app.WaitForCleanAsync(request.Value!.Id);

        Assert.Equal(ScanStatus.Completed, clean.Status);
        Assert.Equal(0, clean.RemainingAfterRescan);
        Assert.Equal(1, clean.SecretsSelected);
        Assert.Equal(1, clean.SecretsCleaned);
        Assert.Equal(1, clean.CommitsChanged);
        Assert.Equal(1, clean.OtherFindingsRemaining);
        Assert.False(clean.VerifiedClean);
        var left = Assert.Single(clean.RescanFindings);
        Assert.Equal("github-pat", left.RuleId);
        Assert.Equal("ci.env", left.FilePath);
        Assert.False(left.Selected);
        Assert.DoesNotContain(githubToken, left.Preview);

        var path = $"/api/scans/{started.Value.Id}/cleanings/{clean.Id}/bundle";
        var (viewer, _) = await app.SignInNewUserAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await (await Client(member.Email!)).GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await Client(outsider.Email!)).GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync(path)).StatusCode);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString,
            "SELECT count(*) FROM audit_logs WHERE action = 'clean.bundle_downloaded' AND user_id = @u", ("u", member.Id)));
    }

    private async Task<HttpClient> Client(string email)
    {
        var client = app.NewClient();
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostLoginAsync(email, TestUsers.Password)).StatusCode);
        return client;
    }
}
