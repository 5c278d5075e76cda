using System.Text.Json;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Analyses;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Tests.Fixtures;
using DeployGuard.Tests.Infrastructure;
using Npgsql;

namespace DeployGuard.Tests.Data.Analyses;

/// <summary>The offline agents on real scanner reports imported into a real database, and what each run stores.</summary>
public sealed class DeterministicAgentsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Caller Engineer = new("analysis-engineer", "engineer@example.test", [Roles.Engineer]);

    [Fact]
    public async Task RunAsync_Remediation_GrypeRpmReport_OneUpgradePerPackageToTheVersionFixingAllItsCves()
    {
        var scanId = await ImportAsync("grype/grype-dd-3.json");

        var output = await RunAsync(scanId, AgentNames.Remediation);

        var upgrades = output.GetProperty("upgrades").EnumerateArray().ToList();
        // avahi-libs 0.7-20.el8: six CVEs fixed in 0.7-21.el8_9.1, one (CVE-2023-1981) already in 0.7-21.el8, CVE-2017-6519 unfixed.
        var avahi = upgrades.Single(u => u.GetProperty("package").GetString() == "avahi-libs");
        Assert.Equal(7, avahi.GetProperty("fixes").GetInt32());
        Assert.EndsWith("0.7-21.el8_9.1", avahi.GetProperty("to").GetString());
        Assert.Contains("CVE-2023-1981", avahi.GetProperty("vulnerabilities").EnumerateArray().Select(v => v.GetString()));
        Assert.StartsWith("dnf upgrade avahi-libs", avahi.GetProperty("command").GetString());
        // bind-libs: four fixes (-8.el8, -8.el8_8.1, -8.el8_8.2, -11.el8_9): the bump to -11.el8_9 covers them all; three have none.
        var bind = upgrades.Single(u => u.GetProperty("package").GetString() == "bind-libs");
        Assert.Equal(4, bind.GetProperty("fixes").GetInt32());
        Assert.EndsWith("9.11.36-11.el8_9", bind.GetProperty("to").GetString());
        Assert.Contains(output.GetProperty("no_fix_available").EnumerateArray(), v => v.GetString()!.StartsWith("CVE-2017-6519 (avahi-libs@", StringComparison.Ordinal));
        // Largest bump first, and each package appears once per installed version.
        Assert.Equal(upgrades.Select(u => u.GetProperty("fixes").GetInt32()).OrderDescending(), upgrades.Select(u => u.GetProperty("fixes").GetInt32()));
        Assert.Equal(upgrades.Count, upgrades.Select(u => (u.GetProperty("package").GetString(), u.GetProperty("from").GetString())).Distinct().Count());
        var openWithFix = await Sql.ScalarAsync<long>(db.ConnectionString,
            "SELECT count(*) FROM vulnerabilities v JOIN vulnerability_findings f ON f.id = v.finding_id WHERE v.scan_id = @id AND f.fix_available AND f.package_name IS NOT NULL",
            ("id", scanId));
        Assert.Equal(openWithFix, output.GetProperty("fixable").GetInt32());
    }

    [Fact]
    public async Task RunAsync_Remediation_TrivyPipReport_UrllibBumpFixesBothCves()
    {
        var scanId = await ImportAsync("trivy/trivy-dd-1.json");

        var output = await RunAsync(scanId, AgentNames.Remediation);

        var upgrade = Assert.Single(output.GetProperty("upgrades").EnumerateArray());
        Assert.Equal(("pip", "urllib3", "1.26.3", "1.26.5", 2, "pip install \"urllib3>=1.26.5\""),
            (upgrade.GetProperty("ecosystem").GetString(), upgrade.GetProperty("package").GetString(), upgrade.GetProperty("from").GetString(),
                upgrade.GetProperty("to").GetString(), upgrade.GetProperty("fixes").GetInt32(), upgrade.GetProperty("command").GetString()));
        Assert.Equal(["CVE-2021-28363", "CVE-2021-33503"], upgrade.GetProperty("vulnerabilities").EnumerateArray().Select(v => v.GetString()!));
    }

    [Fact]
    public async Task RunAsync_Prioritization_InternetFacingService_RiskIsCvssTimesEpssTimesExposureRankedDescending()
    {
        var serviceId = await ServiceAsync(internetFacing: true);
        var scanId = await ImportAsync("grype/grype-dd-2.json", serviceId);

        var output = await RunAsync(scanId, AgentNames.Prioritization);

        Assert.Equal(1.5, output.GetProperty("exposure").GetDouble());
        Assert.Equal(["internet-facing"], output.GetProperty("exposure_factors").EnumerateArray().Select(f => f.GetString()!));
        var items = output.GetProperty("items").EnumerateArray().ToList();
        var open = await Sql.ScalarAsync<long>(db.ConnectionString,
            "SELECT count(*) FROM vulnerabilities v JOIN vulnerability_findings f ON f.id = v.finding_id WHERE v.scan_id = @id AND f.status = 'open' AND NOT f.suppressed",
            ("id", scanId));
        Assert.Equal(open, items.Count);
        Assert.Equal(Enumerable.Range(1, items.Count), items.Select(i => i.GetProperty("rank").GetInt32()));
        var risks = items.Select(i => i.GetProperty("risk").GetDouble()).ToList();
        Assert.Equal(risks.OrderDescending(), risks);
        Assert.All(items, i => Assert.Equal(Math.Round(i.GetProperty("cvss").GetDouble() * i.GetProperty("epss").GetDouble() * 1.5, 4), i.GetProperty("risk").GetDouble(), 4));
        // The top item's CVSS and EPSS are the stored finding's (grype reports EPSS itself).
        var top = items[0];
        var stored = await Sql.ScalarAsync<double>(db.ConnectionString,
            "SELECT coalesce(f.cvss_score, 0) * coalesce(f.epss_score, 0) FROM vulnerabilities v JOIN vulnerability_findings f ON f.id = v.finding_id WHERE v.scan_id = @id AND f.vulnerability_id = @cve AND f.package_name = @p",
            ("id", scanId), ("cve", top.GetProperty("id").GetString()!), ("p", top.GetProperty("package").GetString()!));
        Assert.Equal(stored * 1.5, top.GetProperty("risk").GetDouble(), 3);
        var buckets = output.GetProperty("by_priority");
        Assert.Equal(items.Count, buckets.EnumerateObject().Sum(b => b.Value.GetInt32()));
    }

    [Fact]
    public async Task RunAsync_SupplyChain_GrypeDebianAndPythonReport_EcosystemsAndPackagesFromTheScan()
    {
        var scanId = await ImportAsync("grype/grype-dd-2.json");

        var output = await RunAsync(scanId, AgentNames.SupplyChain);

        var expectedPackages = await Sql.ScalarAsync<long>(db.ConnectionString,
            "SELECT count(DISTINCT (f.package_name, f.package_version, coalesce(f.package_type, ''))) FROM vulnerabilities v JOIN vulnerability_findings f ON f.id = v.finding_id WHERE v.scan_id = @id AND f.package_name IS NOT NULL",
            ("id", scanId));
        Assert.Equal(expectedPackages, output.GetProperty("packages").GetInt32());
        var ecosystems = output.GetProperty("ecosystems").EnumerateArray().ToList();
        Assert.Equal(2, ecosystems.Count);
        // grype-dd-2: 219 matches in Debian packages, 108 in Python ones.
        Assert.Equal(327, ecosystems.Sum(e => e.GetProperty("findings").GetInt32()));
        Assert.Equal(expectedPackages, ecosystems.Sum(e => e.GetProperty("packages").GetInt32()));
        Assert.Equal(output.GetProperty("packages").GetInt32(),
            output.GetProperty("direct").GetInt32() + output.GetProperty("transitive").GetInt32() + output.GetProperty("unknown").GetInt32());
        // This scan's target has these packages alone: every one is "seen in few services".
        Assert.Equal(expectedPackages, output.GetProperty("seen_in_few_services").GetArrayLength());
    }

    [Fact]
    public async Task RunAsync_SupplyChain_PackageInTwoServices_NotSeenInFewServices()
    {
        var first = await ImportAsync("trivy/trivy-dd-1.json", await ServiceAsync(false));
        await ImportAsync("trivy/trivy-dd-1.json", await ServiceAsync(false));

        var output = await RunAsync(first, AgentNames.SupplyChain);

        Assert.Equal(0, output.GetProperty("seen_in_few_services").GetArrayLength());
        Assert.Equal("pip", Assert.Single(output.GetProperty("ecosystems").EnumerateArray()).GetProperty("ecosystem").GetString());
    }

    [Theory]
    [InlineData("trivy/trivy-dd-2.json", "approve")]
    [InlineData("trivy/trivy-dd-1.json", "reject")]
    [InlineData("grype/grype-dd-3.json", "reject")]
    [InlineData("trivy/trivy-trivyrepo-1.json", "warn")]
    public async Task RunAsync_Security_Fixture_DecisionFromSeverityAndSecrets(string fixture, string decision)
    {
        var scanId = await ImportAsync(fixture);

        var output = await RunAsync(scanId, AgentNames.Security);

        Assert.Equal(decision, output.GetProperty("decision").GetString());
        Assert.False(string.IsNullOrWhiteSpace(output.GetProperty("reasoning").GetString()));
    }

    [Fact]
    public async Task RunAsync_AnyAgent_StoresExecutionAnalysisAndAuditRowOfTheRun()
    {
        var scanId = await ImportAsync("trivy/trivy-dd-2.json");

        var result = await db.Get<AgentRunner>().RunAsync(scanId, AgentNames.Prioritization, Engineer);

        Assert.True(result.Succeeded, result.Message);
        var run = result.Value!;
        Assert.True(run.Success, run.Error);
        Assert.Equal(("prioritization", "1.0", "deterministic", "deterministic", true, 0, 0, 0m), await RowAsync(
            "SELECT agent_name, agent_version, llm_model, llm_provider, success, llm_tokens_input, llm_tokens_output, llm_cost_usd FROM agent_executions WHERE id = @id",
            r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetBoolean(4), r.GetInt32(5), r.GetInt32(6), r.GetDecimal(7)), ("id", run.ExecutionId)));
        Assert.Equal((scanId, "prioritization", run.ExecutionId), await RowAsync(
            "SELECT scan_id, agent_type, agent_execution_id FROM ai_analyses WHERE id = @id", r => (r.GetGuid(0), r.GetString(1), r.GetGuid(2)), ("id", run.AnalysisId)));
        Assert.Equal(1, await Sql.ScalarAsync<long>(db.ConnectionString,
            "SELECT count(*) FROM audit_logs WHERE action = 'analysis.completed' AND resource_id = @id AND user_id = @user", ("id", scanId.ToString()), ("user", Engineer.UserId!)));
        var listed = await db.Get<AnalysisService>().ListAsync(scanId);
        Assert.Equal(run.AnalysisId, Assert.Single(listed.Value!).Id);
    }

    [Fact]
    public async Task RunAsync_UnknownScan_NotFoundAndNothingStored()
    {
        var before = await Sql.ScalarAsync<long>(db.ConnectionString, "SELECT count(*) FROM agent_executions");

        var result = await db.Get<AgentRunner>().RunAsync(Guid.NewGuid(), AgentNames.Security, Engineer);

        Assert.Equal(ResultStatus.NotFound, result.Status);
        Assert.Equal(before, await Sql.ScalarAsync<long>(db.ConnectionString, "SELECT count(*) FROM agent_executions"));
    }

    [Fact]
    public async Task RequestAsync_ViewerOrUnknownAgent_RefusedAndNothingQueued()
    {
        var scanId = await ImportAsync("trivy/trivy-dd-2.json");
        var service = db.Get<AnalysisService>();

        var viewer = await service.RequestAsync(scanId, null, new Caller("v", "viewer@example.test", [Roles.Viewer]));
        var unknown = await service.RequestAsync(scanId, ["prioritization", "astrology"], Engineer);
        var missing = await service.RequestAsync(Guid.NewGuid(), null, Engineer);

        Assert.Equal((ResultStatus.Forbidden, ResultStatus.Invalid, ResultStatus.NotFound), (viewer.Status, unknown.Status, missing.Status));
        Assert.Contains("astrology", unknown.Errors["agents"][0]);
    }

    [Theory]
    [InlineData("https://ci:ghp_abcdef0123456789@github.com/acme/shop.git", "https://github.com/acme/shop.git")]
    [InlineData("registry.example.com/shop/api:1.4.2", "registry.example.com/shop/api:1.4.2")]
    public void WithoutCredentials_Target_NoUserInfoInThePrompt(string target, string expected)
    {
        Assert.Equal(expected, AgentContextLoader.WithoutCredentials(target));
    }

    [Fact]
    public void Exposure_ProductionAndInternetFacing_Multiplies()
    {
        static AgentContext Context(bool production, bool internet) =>
            new(Guid.NewGuid(), "container", "t", null, null, internet, production, 0, new Dictionary<string, int>(), 0, 0, []);

        Assert.Equal((1.0, 1.5, 1.5, 2.25), (DeterministicAgents.Exposure(Context(false, false)), DeterministicAgents.Exposure(Context(true, false)),
            DeterministicAgents.Exposure(Context(false, true)), DeterministicAgents.Exposure(Context(true, true))));
    }

    private async Task<JsonElement> RunAsync(Guid scanId, string agent)
    {
        var result = await db.Get<AgentRunner>().RunAsync(scanId, agent, Engineer);
        Assert.True(result.Succeeded, result.Message);
        Assert.True(result.Value!.Success, result.Value.Error);
        var output = await Sql.ScalarAsync<string>(db.ConnectionString, "SELECT output::text FROM agent_executions WHERE id = @id", ("id", result.Value.ExecutionId));
        return JsonDocument.Parse(output).RootElement;
    }

    private async Task<T> RowAsync<T>(string sql, Func<NpgsqlDataReader, T> map, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no row");
        return map(reader);
    }

    private async Task<Guid> ServiceAsync(bool internetFacing)
    {
        await using var context = db.CreateContext();
        var service = new Service { Id = Guid.NewGuid(), Name = $"svc-{Guid.NewGuid():N}"[..20], InternetFacing = internetFacing };
        context.Services.Add(service);
        await context.SaveChangesAsync();
        return service.Id;
    }

    private async Task<Guid> ImportAsync(string fixture, Guid? serviceId = null)
    {
        await using var stream = ReportFixtures.Open(fixture);
        var result = await db.Get<ReportImportService>().ImportAsync(
            new ImportRequest { Report = stream, Target = $"analysis-{Guid.NewGuid():N}", FileName = fixture, ServiceId = serviceId }, Engineer);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.ScanId;
    }
}
