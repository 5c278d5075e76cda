using DeployGuard.Data.Services.Releases;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Tests.Data.Releases;

public sealed class ReleaseTests
{
    [Fact]
    public void VersionKey_SemanticVersions_SortInSemverOrder()
    {
        // semver.org §11, plus numeric parts that only sort right when compared as numbers.
        string[] ordered =
        [
            "0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
            "1.2.0", "1.9.0", "1.10.0", "v1.10.1", "2.0.0", "10.0.0",
        ];
        var shuffled = ordered.Reverse().ToList();

        var sorted = shuffled.OrderBy(VersionKey.For, StringComparer.Ordinal).ToList();

        Assert.Equal(ordered, sorted);
    }

    [Fact]
    public void VersionKey_FreeFormVersions_SortNaturallyBeforeSemantic()
    {
        Assert.True(VersionKey.Compare("build-9", "build-10") < 0);
        Assert.True(VersionKey.Compare("2024.11.3.7", "1.0.0") < 0);
    }

    [Fact]
    public void ReleaseNotes_RawHtmlAndScriptLinks_AreNeutralised()
    {
        var html = ReleaseNotes.ToHtml("# Fixes\n<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n[click](javascript:alert(3)) [ok](https://example.com)");

        Assert.Contains("<h1", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.DoesNotContain("javascript:", html);
        Assert.Contains("href=\"https://example.com\"", html);
    }

    [Fact]
    public async Task CreateAsync_DuplicateVersion_IsInvalidAndChangesNothing()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        var service = await kit.ServiceAsync();
        await kit.ReleaseAsync(service.Id, "1.0.0");
        var engineer = await kit.UserAsync(Roles.Engineer);

        var again = await kit.Get<ReleaseService>().CreateAsync(new ReleaseInput { ServiceId = service.Id, Version = "1.0.0" }, engineer);
        var badSha = await kit.Get<ReleaseService>().CreateAsync(new ReleaseInput { ServiceId = service.Id, Version = "1.0.1", CommitSha = "xyz" }, engineer);
        var unknownService = await kit.Get<ReleaseService>().CreateAsync(new ReleaseInput { ServiceId = Guid.NewGuid(), Version = "1.0.1" }, engineer);

        Assert.Contains(nameof(ReleaseInput.Version), again.Errors.Keys);
        Assert.Contains(nameof(ReleaseInput.CommitSha), badSha.Errors.Keys);
        Assert.Contains(nameof(ReleaseInput.ServiceId), unknownService.Errors.Keys);
        await using var db = kit.Db();
        Assert.Equal(1, await db.Releases.CountAsync(r => r.ServiceId == service.Id));
    }

    [Fact]
    public async Task ListAsync_SortedByVersion_UsesSemanticOrderInTheDatabase()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        var service = await kit.ServiceAsync();
        foreach (var version in new[] { "1.9.0", "1.10.0", "1.10.0-rc.1", "1.2.0" })
        {
            await kit.ReleaseAsync(service.Id, version);
        }

        var page = await kit.Get<ReleaseService>().ListAsync(new ReleaseQuery { ServiceId = service.Id, SortBy = nameof(ReleaseRow.Version), Descending = true });

        Assert.Equal(["1.10.0", "1.10.0-rc.1", "1.9.0", "1.2.0"], page.Items.Select(r => r.Version));
    }

    [Fact]
    public async Task CreateAsync_ByViewer_IsForbidden()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        var service = await kit.ServiceAsync();
        var viewer = await kit.UserAsync(Roles.Viewer);

        var result = await kit.Get<ReleaseService>().CreateAsync(new ReleaseInput { ServiceId = service.Id, Version = "1.0.0" }, viewer);

        Assert.Equal(DeployGuard.Data.Services.Common.ResultStatus.Forbidden, result.Status);
    }
}
