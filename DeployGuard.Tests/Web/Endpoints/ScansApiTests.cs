using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Tokens;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Fixtures;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Tests.Scanning.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DeployGuard.Tests.Web.Endpoints;

/// <summary>seed 02's scans API and report import over HTTP, with API tokens.</summary>
public sealed class ScansApiTests(ScansApiTests.SmallLimitApp app) : IClassFixture<ScansApiTests.SmallLimitApp>
{
    /// <summary>The app with a 400 kB report limit, so "too large" needs no 100 MB upload.</summary>
    public sealed class SmallLimitApp : WebAppFactory
    {
        public const long Limit = 400_000;

        // A request the race test holds back waits as long as a secret scan takes on a loaded machine: longer than
        // Npgsql's default 30 s command timeout.
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { CommandTimeout = 300 }.ConnectionString;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Scanning:MaxReportBytes", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Import_TrivyReport_201WithCountsThenSeedShapedScanAndVulnerabilities()
    {
        var client = await ClientAsync(Roles.Engineer);
        var target = $"shop/api:{Guid.NewGuid():N}";

        var response = await client.PostAsync("/api/scans/import", Form("trivy/trivy-dd-2.json", ("target", target), ("scan_type", "container")));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("scan_id").GetGuid();
        var scan = await client.GetFromJsonAsync<JsonElement>($"/api/scans/{id}");
        var vulnerabilities = await client.GetFromJsonAsync<JsonElement>($"/api/scans/{id}/vulnerabilities");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/scans/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(("trivy", 13, 13, 13, 0, 0), (body.GetProperty("format").GetString(), body.GetProperty("results_in_report").GetInt32(),
            body.GetProperty("findings").GetInt32(), body.GetProperty("new").GetInt32(), body.GetProperty("unchanged").GetInt32(), body.GetProperty("fixed").GetInt32()));
        Assert.Equal(13, body.GetProperty("by_severity").EnumerateObject().Sum(p => p.Value.GetInt32()));
        Assert.Equal(("container", target, "completed", 13), (scan.GetProperty("scan_type").GetString(), scan.GetProperty("target").GetString(),
            scan.GetProperty("status").GetString(), scan.GetProperty("vulnerability_count").GetInt32()));
        Assert.Equal(13, scan.GetProperty("critical_count").GetInt32() + scan.GetProperty("high_count").GetInt32()
                         + scan.GetProperty("medium_count").GetInt32() + scan.GetProperty("low_count").GetInt32() + scan.GetProperty("info_count").GetInt32());
        Assert.Equal(13, vulnerabilities.GetArrayLength());
        var inReport = System.Text.Json.Nodes.JsonNode.Parse(ReportFixtures.Text("trivy/trivy-dd-2.json"))!["Results"]![0]!["Vulnerabilities"]!.AsArray()
            .Select(v => (string)v!["VulnerabilityID"]!).Order();
        Assert.Equal(inReport, vulnerabilities.EnumerateArray().Select(v => v.GetProperty("cve_id").GetString()!).Order());
    }

    [Fact]
    public async Task Import_SameReportAgain_NewZeroFixedZero()
    {
        var client = await ClientAsync(Roles.Engineer);
        var target = $"repo-{Guid.NewGuid():N}";
        await client.PostAsync("/api/scans/import", Form("sarif/sarif-dd-2.sarif", ("target", target)));

        var again = await (await client.PostAsync("/api/scans/import", Form("sarif/sarif-dd-2.sarif", ("target", target)))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal((77, 0, 77, 0), (again.GetProperty("findings").GetInt32(), again.GetProperty("new").GetInt32(), again.GetProperty("unchanged").GetInt32(),
            again.GetProperty("fixed").GetInt32()));
    }

    [Theory]
    [InlineData("not a report", "does not start with JSON")]
    [InlineData("{\"SchemaVersion\":2,\"Results\":[{\"Target\":", "Trivy JSON")]
    public async Task Import_BrokenFile_422SaysWhatWasWrong(string content, string expected)
    {
        var client = await ClientAsync(Roles.Engineer);

        var response = await client.PostAsync("/api/scans/import", Form(Encoding.UTF8.GetBytes(content), "report.json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Import_LargerThanTheLimit_413AndNothingStored()
    {
        var client = await ClientAsync(Roles.Engineer);
        var before = await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM scans");

        var response = await client.PostAsync("/api/scans/import", Form("grype/grype-dd-2.json")); // 821 kB > 400 kB

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal(before, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM scans"));
    }

    [Fact]
    public async Task Import_NoFileOrUnknownService_400NamesTheField()
    {
        var client = await ClientAsync(Roles.Engineer);

        var noFile = await client.PostAsync("/api/scans/import", new MultipartFormDataContent { { new StringContent("x"), "target" } });
        var unknownService = await client.PostAsync("/api/scans/import", Form("grype/grype-dd-4.json", ("service", "no-such-service")));

        Assert.Equal(HttpStatusCode.BadRequest, noFile.StatusCode);
        Assert.True((await noFile.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("file", out _));
        Assert.Equal(HttpStatusCode.BadRequest, unknownService.StatusCode);
        Assert.True((await unknownService.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("service", out _));
    }

    [Fact]
    public async Task Import_Viewer_403()
    {
        var client = await ClientAsync(Roles.Viewer);

        var response = await client.PostAsync("/api/scans/import", Form("grype/grype-dd-4.json"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Trigger_ContainerWithoutScanner_422SaysHowToUploadInstead()
    {
        var client = await ClientAsync(Roles.Engineer);

        var response = await client.PostAsJsonAsync("/api/scans/trigger", new { scan_type = "container", target = "nginx:latest", options = new { } });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("No scanner is configured for container scans", problem.GetProperty("title").GetString());
        Assert.Contains("POST /api/scans/import", problem.GetProperty("title").GetString());
        Assert.Equal(0, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM scans WHERE target = 'nginx:latest'"));
    }

    [Fact]
    public async Task Trigger_GitRepository_202PendingAndListedAsGitRepoScan()
    {
        var client = await ClientAsync(Roles.Engineer);
        var url = $"https://github.com/acme/{Guid.NewGuid():N}.git";

        var response = await client.PostAsJsonAsync("/api/scans/trigger", new { scan_type = "git_repo", target = url, options = new { } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var listed = await client.GetFromJsonAsync<JsonElement>("/api/scans?scan_type=git_repo&limit=100");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("pending", body.GetProperty("status").GetString());
        // This server has no git_repo scanner: the secrets are scanned, and the message says what is missing and what to do.
        var message = body.GetProperty("message").GetString()!;
        Assert.StartsWith($"Scan initiated for {url}: secrets only. No dependency scanner is configured", message);
        Assert.Contains("(Scanning:Scanners:git_repo", message);
        Assert.Contains("POST /api/scans/import", message);
        Assert.Equal(0, await Sql.ScalarAsync<long>(app.ConnectionString,
            $"SELECT count(*) FROM scans WHERE parent_scan_id = '{body.GetProperty("scan_id").GetGuid()}'"));
        Assert.Contains(listed.EnumerateArray(), s => s.GetProperty("id").GetGuid() == body.GetProperty("scan_id").GetGuid());
    }

    [Fact]
    public async Task Trigger_SecretJobEndsBeforeTheScanRowWouldCommit_ScanStillCompletes()
    {
        var client = await ClientAsync(Roles.Admin);
        using var repository = new TempGitRepo();
        repository.Write("README.md", "nothing to see\n");
        repository.Commit("only");
        // The order a busy database can produce, made certain: a trigger holds back the transaction that writes this scan's
        // row (at its "scan.triggered" audit row, before the audit chain's lock, which the job needs too) on an advisory lock
        // the test holds, while a secret-scan job that committed on its own runs to its end. Triggers fire in name order:
        // "a_hold_…" before "audit_logs_chain".
        var key = Random.Shared.NextInt64(1, int.MaxValue);
        var name = $"a_hold_scan_{Guid.NewGuid():N}"[..26];
        await Sql.ExecuteAsync(app.ConnectionString, $"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.action = 'scan.triggered' AND NEW.details ->> 'target' = '{repository.Path}' THEN
                    PERFORM pg_advisory_lock({key});
                    PERFORM pg_advisory_unlock({key});
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {name} BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION {name}();
            """);
        try
        {
            await using var holder = new NpgsqlConnection(TestPostgres.AsSuperuser(app.ConnectionString));
            await holder.OpenAsync();
            await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({key})", holder))
            {
                await take.ExecuteNonQueryAsync();
            }

            var trigger = client.PostAsJsonAsync("/api/scans/trigger", new { scan_type = "git_repo", target = repository.Path, options = new { } });
            await WaitUntilAsync("the scan's transaction waits on the test's lock", async () => await Sql.ScalarAsync<long>(app.ConnectionString,
                $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = {key}") > 0);
            // A job committed before its scan ends now; a job committed with its scan is not visible yet.
            await WaitUntilAsync("a visible secret-scan job ends", async () => await Sql.ScalarAsync<string?>(app.ConnectionString,
                "SELECT status FROM scan_jobs WHERE source_url = @url", ("url", repository.Path)) is null or "Completed" or "Failed");
            await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({key})", holder))
            {
                await release.ExecuteNonQueryAsync();
            }

            var response = await trigger;
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
            var scan = await client.WaitForEndAsync(app.ConnectionString, JsonDocument.Parse(body).RootElement.GetProperty("scan_id").GetGuid());

            Assert.Equal("completed", scan.GetProperty("status").GetString());
            Assert.Equal("deployguard", scan.GetProperty("scanner").GetString());
        }
        finally
        {
            await Sql.ExecuteAsync(app.ConnectionString, $"DROP TRIGGER {name} ON audit_logs; DROP FUNCTION {name}();");
        }
    }

    [Fact]
    public async Task List_BadFilter_400AndUnknownScan404()
    {
        var client = await ClientAsync(Roles.Viewer);

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/scans?status=done")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/scans?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/scans/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/scans/{Guid.NewGuid()}/vulnerabilities")).StatusCode);
    }

    [Fact]
    public async Task Delete_Scan_CascadesToItsVulnerabilitiesAndFindingsOnlyItSaw()
    {
        var admin = await ClientAsync(Roles.Admin);
        var viewer = await ClientAsync(Roles.Viewer);
        var created = await (await admin.PostAsync("/api/scans/import", Form("grype/grype-dd-1.json", ("target", $"img-{Guid.NewGuid():N}"))))
            .Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("scan_id").GetGuid();

        var forbidden = await viewer.DeleteAsync($"/api/scans/{id}");
        var deleted = await admin.DeleteAsync($"/api/scans/{id}");

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/scans/{id}")).StatusCode);
        Assert.Equal(0, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM vulnerabilities WHERE scan_id = @id", ("id", id)));
        Assert.Equal(0, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM vulnerability_findings WHERE first_scan_id = @id", ("id", id)));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/scans/{id}")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_Document_DescribesTheScansApi()
    {
        var client = await ClientAsync(Roles.Viewer);

        var document = await client.GetStringAsync("/openapi/v1.json");

        Assert.Contains("\"/api/scans/import\"", document);
        Assert.Contains("\"/api/scans/{id}/vulnerabilities\"", document);
        Assert.Contains("\"results_in_report\"", document);
        Assert.Contains("\"critical_count\"", document);
        // The trigger says what git_repo runs; a scan names its dependency parts.
        Assert.Contains("plus the dependency scanner configured for git_repo (Scanning:Scanners:git_repo)", document);
        Assert.Contains("\"parent_scan_id\"", document);
    }

    private static MultipartFormDataContent Form(string fixture, params (string Name, string Value)[] fields) =>
        Form(File.ReadAllBytes(ReportFixtures.PathOf(fixture)), Path.GetFileName(fixture), fields);

    private static MultipartFormDataContent Form(byte[] content, string fileName, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(content), "file", fileName } };
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    private static async Task WaitUntilAsync(string what, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }

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
