using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Tokens;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Fixtures;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Tests.Scanning.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Endpoints;

/// <summary>
/// <c>POST /api/scans/trigger</c> with <c>scan_type: git_repo</c> on a server with a git_repo scanner configured: the
/// built-in secret scanner and the dependency scanner both run over a real git repository, and the scan counts both.
/// The scanner is a real executable (a script printing a real Grype report) run isolated by the ScannerRun worker.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ScansApiGitRepoTests(ScansApiGitRepoTests.ScannerApp app) : IClassFixture<ScansApiGitRepoTests.ScannerApp>
{
    private const string Report = "grype/grype-dd-1.json";

    /// <summary>The app with a git_repo scanner: a script that reports only for the checkout of the commit it was asked for.</summary>
    public sealed class ScannerApp : WebAppFactory, IDisposable
    {
        public TempFolder Tools { get; } = new();

        public ScannerApp()
        {
            File.SetUnixFileMode(Tools.Path, (UnixFileMode)0b111_101_101);
            File.Copy(ReportFixtures.PathOf(Report), System.IO.Path.Combine(Tools.Path, "grype.json"));
            var script = System.IO.Path.Combine(Tools.Path, "fake-grype-dir");
            // Exactly one argument (the checkout), never the app's database folder in sight; "version 2" is the commit the
            // tests ask for, and a repository holding fail.txt makes it fail like a scanner without its database.
            File.WriteAllText(script, $$"""
                #!/bin/sh
                test "$#" -eq 1 || { echo "expected one argument, got $#" >&2; exit 2; }
                if [ -e "{{TestPostgres.ClusterDirectory}}" ]; then echo "the database folder is visible" >&2; exit 5; fi
                test -f "$1/release.txt" || { echo "no checkout at $1" >&2; exit 3; }
                if [ -e "$1/fail.txt" ]; then echo "vulnerability database download failed" >&2; exit 6; fi
                grep -q "version 2" "$1/release.txt" || { echo "wrong commit checked out" >&2; exit 4; }
                cat {{Tools.Path}}/grype.json
                """.Replace("\r\n", "\n") + "\n");
            File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Scanning:Scanners:git_repo", $"{Tools.Path}/fake-grype-dir {{target}}");
            builder.UseSetting("Scanning:AllowLocalRepositories", "true");
            builder.UseSetting("Deployments:Runner:ReadOnlyPaths:0", Tools.Path);
        }

        void IDisposable.Dispose() => Tools.Dispose();
    }

    [Fact]
    public async Task Trigger_GitRepoWithDependencyScanner_RunsBothOnTheCommitAndCountsBothInTheScan()
    {
        var client = await ClientAsync(Roles.Engineer);
        using var repository = new TempGitRepo();
        repository.Write("release.txt", "version 1\n");
        repository.Commit("first");
        repository.Write("release.txt", "version 2\n");
        repository.Write("config/settings.py", $"GITHUB_TOKEN = \"ghp_{RandomNumberGenerator.GetString(Alnum, 36)}\"\n");
        var commit = repository.Commit("second, with a leaked token");
        repository.Write("release.txt", "version 3\n");
        repository.Commit("third, not asked for");

        var response = await client.PostAsJsonAsync("/api/scans/trigger", new { scan_type = "git_repo", target = repository.Path, commit, options = new { } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("scan_id").GetGuid();
        var scan = await client.WaitForEndAsync(app.ConnectionString, id);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("the configured dependency scanner (fake-grype-dir)", body.GetProperty("message").GetString());
        Assert.True(scan.GetProperty("status").GetString() == "completed", scan.GetProperty("error_message").ToString());
        var part = Assert.Single(scan.GetProperty("parts").EnumerateArray());
        var dependencies = await client.GetFromJsonAsync<JsonElement>($"/api/scans/{part.GetProperty("id").GetGuid()}");
        Assert.Equal(("completed", "grype", "git_repo", repository.Path, id), (dependencies.GetProperty("status").GetString(),
            dependencies.GetProperty("scanner").GetString(), dependencies.GetProperty("scan_type").GetString(), dependencies.GetProperty("target").GetString(),
            dependencies.GetProperty("parent_scan_id").GetGuid()));
        Assert.Equal(commit, dependencies.GetProperty("commit").GetString());
        Assert.Equal(ReportFixtures.CountResults(Report), dependencies.GetProperty("results_in_report").GetInt32());
        Assert.Equal(2, dependencies.GetProperty("critical_count").GetInt32());

        // The secret part: what the built-in scanner stored for this scan's job.
        var secrets = await Sql.ScalarAsync<int>(app.ConnectionString,
            $"SELECT j.total_secrets_found FROM scan_jobs j JOIN scans s ON s.scan_job_id = j.id WHERE s.id = '{id}'");
        var secretCriticals = await SecretCountAsync(id, "critical");
        var secretHighs = await SecretCountAsync(id, "high");
        Assert.True(secrets >= 1, "the leaked token was not found");
        // The scan counts both parts: its secrets and the dependency scanner's findings.
        Assert.Equal(secrets, scan.GetProperty("secret_count").GetInt32());
        Assert.Equal(secrets + dependencies.GetProperty("vulnerability_count").GetInt32(), scan.GetProperty("vulnerability_count").GetInt32());
        Assert.Equal(2 + secretCriticals, scan.GetProperty("critical_count").GetInt32());
        Assert.Equal(dependencies.GetProperty("high_count").GetInt32() + secretHighs, scan.GetProperty("high_count").GetInt32());
        var vulnerabilities = await client.GetFromJsonAsync<JsonElement>($"/api/scans/{id}/vulnerabilities");
        Assert.Contains(vulnerabilities.EnumerateArray(), v => v.GetProperty("cve_id").GetString() == "CVE-2021-33574");
        Assert.Contains(vulnerabilities.EnumerateArray(), v => v.GetProperty("kind").GetString() == "secret");
        // One scan in seed 02's list; its part is inside it.
        var listed = await client.GetFromJsonAsync<JsonElement>("/api/scans?scan_type=git_repo&limit=500");
        Assert.Contains(listed.EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);
        Assert.DoesNotContain(listed.EnumerateArray(), s => s.GetProperty("id").GetGuid() == part.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Trigger_DependencyScannerFails_ScanFailsNamingItAndKeepsTheSecretCounts()
    {
        var client = await ClientAsync(Roles.Engineer);
        using var repository = new TempGitRepo();
        repository.Write("release.txt", "version 2\n");
        repository.Write("fail.txt", "the scanner cannot work on this one\n");
        repository.Commit("only");

        var response = await client.PostAsJsonAsync("/api/scans/trigger", new { scan_type = "git_repo", target = repository.Path, options = new { } });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("scan_id").GetGuid();
        var scan = await client.WaitForEndAsync(app.ConnectionString, id);

        Assert.Equal("failed", scan.GetProperty("status").GetString());
        Assert.Equal("The dependency scan failed: The scanner exited with code 6: vulnerability database download failed",
            scan.GetProperty("error_message").GetString());
        Assert.Equal("failed", Assert.Single(scan.GetProperty("parts").EnumerateArray()).GetProperty("status").GetString());
        Assert.Equal("Completed", await Sql.ScalarAsync<string>(app.ConnectionString,
            $"SELECT j.status FROM scan_jobs j JOIN scans s ON s.scan_job_id = j.id WHERE s.id = '{id}'"));
    }

    [Fact]
    public async Task Trigger_NoCommitGiven_PartAndScanRecordTheCommitCheckedOut()
    {
        var client = await ClientAsync(Roles.Engineer);
        using var repository = new TempGitRepo();
        repository.Write("release.txt", "version 1\n");
        repository.Commit("first");
        repository.Write("release.txt", "version 2\n");
        var head = repository.Commit("second: the default branch's tip");

        var response = await client.PostAsJsonAsync("/api/scans/trigger", new { scan_type = "git_repo", target = repository.Path, options = new { } });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("scan_id").GetGuid();
        var scan = await client.WaitForEndAsync(app.ConnectionString, id);
        var part = await client.GetFromJsonAsync<JsonElement>($"/api/scans/{Assert.Single(scan.GetProperty("parts").EnumerateArray()).GetProperty("id").GetGuid()}");

        Assert.True(scan.GetProperty("status").GetString() == "completed", scan.GetProperty("error_message").ToString());
        Assert.Equal(head, part.GetProperty("commit").GetString());
        Assert.Equal(head, scan.GetProperty("commit").GetString());
        // The import into the part names the commit in its audit row too.
        Assert.Equal(head, await Sql.ScalarAsync<string>(app.ConnectionString,
            $"SELECT details::jsonb ->> 'commit' FROM audit_logs WHERE action = 'scan.imported' AND resource_id = '{part.GetProperty("id").GetGuid()}'"));
    }

    [Fact]
    public async Task Delete_GitRepoScan_TakesItsDependencyPartWithIt()
    {
        var admin = await ClientAsync(Roles.Admin);
        using var repository = new TempGitRepo();
        repository.Write("release.txt", "version 2\n");
        repository.Commit("only");
        var id = (await (await admin.PostAsJsonAsync("/api/scans/trigger", new { scan_type = "git_repo", target = repository.Path, options = new { } }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("scan_id").GetGuid();
        var scan = await admin.WaitForEndAsync(app.ConnectionString, id);
        var part = Assert.Single(scan.GetProperty("parts").EnumerateArray()).GetProperty("id").GetGuid();

        var deleted = await admin.DeleteAsync($"/api/scans/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/scans/{part}")).StatusCode);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(app.ConnectionString, $"SELECT count(*) FROM vulnerabilities WHERE scan_id = '{part}'"));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString,
            $"SELECT count(*) FROM audit_logs WHERE action = 'scan.deleted' AND resource_id = '{id}'"));
    }

    private const string Alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private async Task<int> SecretCountAsync(Guid scanId, string severity) =>
        (int)await Sql.ScalarAsync<long>(app.ConnectionString, $"""
            SELECT count(*) FROM secret_finding_sightings x JOIN secret_findings f ON f.id = x.finding_id JOIN scans s ON s.scan_job_id = x.job_id
            WHERE s.id = '{scanId}' AND NOT x.suppressed AND f.severity = '{severity}'
            """);

    private async Task<HttpClient> ClientAsync(string role)
    {
        var user = await TestUsers.CreateAsync(app.Services, role);
        var created = await app.Services.GetRequiredService<ApiTokenService>().CreateAsync("tests", 30, new Caller(user.Id, user.UserName, [role]));
        Assert.True(created.Succeeded, created.Message);
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Value!.Value);
        return client;
    }
}
