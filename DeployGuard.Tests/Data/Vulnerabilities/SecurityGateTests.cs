using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Vulnerabilities;

/// <summary>The security gate against a real database: what it checks, policies, accepted risks and their expiry, overrides.</summary>
public sealed class SecurityGateTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Caller Admin = new("gate-admin", "admin@example.test", [Roles.Admin]);
    private static readonly Caller Approver = new("gate-approver", "approver@example.test", [Roles.Approver]);
    private static int _order = 100;
    private const string CommitA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string CommitB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    [Fact]
    public async Task Evaluate_NoScanOfTheCommit_UsesTheServicesLatestScanAndItsOpenSecrets()
    {
        var (service, environment) = await ServiceAndEnvironmentAsync(SecurityPolicy.Standard);
        await UploadSecretsAsync(service, CommitA, 6);

        var result = await EvaluateAsync(service, environment, CommitB);

        Assert.Equal(GateDecision.Reject, result.Verdict.Decision);
        Assert.Equal(6, result.Verdict.Evaluation.FindingsChecked);
        Assert.True(Assert.Single(result.Verdict.Evaluation.Scans).OtherCommit);
        Assert.Contains("No scan of commit bbbbbbbbbbbb; used the service's latest", result.Verdict.Reasoning);
        Assert.Contains("6 findings", result.Verdict.Reasoning);
        Assert.Contains("To unblock", result.Verdict.Reasoning);
    }

    [Fact]
    public async Task Evaluate_OneOpenSecret_SaysOneFindingNotFindingsInBrackets()
    {
        var (service, environment) = await ServiceAndEnvironmentAsync(SecurityPolicy.Standard);
        await UploadSecretsAsync(service, CommitA, 1);

        var result = await EvaluateAsync(service, environment, CommitA);

        Assert.Contains("1 finding", result.Verdict.Reasoning);
        Assert.DoesNotContain("1 findings", result.Verdict.Reasoning);
        Assert.DoesNotContain("(s)", result.Verdict.Reasoning);
    }

    [Fact]
    public async Task Evaluate_NothingEverScanned_WarnsAndNeverApproves()
    {
        var (service, environment) = await ServiceAndEnvironmentAsync(SecurityPolicy.Permissive);
        await db.Get<SecurityPolicyService>().SaveAsync(environment, new SecurityPolicyDocument(), "no rules at all", Admin);

        var result = await EvaluateAsync(service, environment, CommitA);

        Assert.Equal(GateDecision.Warn, result.Verdict.Decision);
        Assert.Contains("nothing was checked", result.Verdict.Reasoning);
    }

    [Fact]
    public async Task Evaluate_ScanOfTheCommit_JudgesItsFindingsInOrderFirstMatchDecides()
    {
        var (service, environment) = await ServiceAndEnvironmentAsync(SecurityPolicy.Standard);
        await ImportAsync(service, CommitA, ("CVE-2021-44228", "log4j-core", "2.14.1", "CRITICAL"), ("CVE-2024-0002", "zlib", "1.2.11", "LOW"));
        var policy = new SecurityPolicyDocument
        {
            Conditions =
            [
                new() { When = PolicyCondition.Cve, Ids = ["CVE-2021-44228"], Action = PolicyAction.Approve },
                new() { When = PolicyCondition.Severity, MinSeverity = "high", Action = PolicyAction.Block },
                new() { When = PolicyCondition.Severity, MinSeverity = "low", Action = PolicyAction.Warn },
            ],
        };
        Assert.True((await db.Get<SecurityPolicyService>().SaveAsync(environment, policy, "allow-list log4j for the test", Admin)).Succeeded);

        var result = await EvaluateAsync(service, environment, CommitA[..10]);

        Assert.Equal(GateDecision.Warn, result.Verdict.Decision);
        Assert.Equal(1, result.Verdict.Evaluation.PolicyVersion);
        Assert.False(result.Verdict.Evaluation.Scans.Single().OtherCommit);
        var outcomes = result.Verdict.Evaluation.Outcomes;
        Assert.Equal([(1, 1), (3, 1)], outcomes.Select(o => (o.Rule, o.Matched)));
        Assert.Equal("zlib", outcomes.Single(o => o.Action == PolicyAction.Warn).Findings.Single().Package);
    }

    [Fact]
    public async Task Evaluate_AcceptedRiskThenExpired_CountsAgainAndBlocksThenSweepReopensIt()
    {
        var (service, environment) = await ServiceAndEnvironmentAsync(SecurityPolicy.Standard);
        await ImportAsync(service, CommitA, ("CVE-2023-4863", "libwebp", "1.0.0", "CRITICAL"));
        var finding = await FindingIdAsync(service, "libwebp");
        var accepted = await db.Get<RiskService>().AcceptAsync(new FindingRefs([finding], []), "not reachable from user input",
            DateTimeOffset.UtcNow.AddDays(30), Approver);
        var whileAccepted = await EvaluateAsync(service, environment, CommitA);

        await Sql.ExecuteAsync(db.ConnectionString, "UPDATE risk_acceptances SET expires_at = now() - interval '1 minute' WHERE vulnerability_finding_id = @f",
            ("f", finding));
        var afterExpiry = await EvaluateAsync(service, environment, CommitA);
        var swept = await db.Get<RiskService>().ExpireDueAsync();

        Assert.True(accepted.Succeeded, accepted.Message);
        Assert.Equal(GateDecision.Approve, whileAccepted.Verdict.Decision);
        Assert.Equal(GateDecision.Reject, afterExpiry.Verdict.Decision);
        Assert.Contains(afterExpiry.Verdict.Evaluation.Outcomes, o => o.Condition.StartsWith("a risk acceptance has expired", StringComparison.Ordinal));
        Assert.True(swept >= 1);
        Assert.Equal("open", await Sql.ScalarAsync<string>(db.ConnectionString, "SELECT status FROM vulnerability_findings WHERE id = @f", ("f", finding)));
        Assert.Equal(1, await Sql.ScalarAsync<long>(db.ConnectionString,
            "SELECT count(*) FROM audit_logs WHERE action = 'risk.expired' AND details->>'vulnerabilityFindingId' = @f", ("f", finding.ToString())));
    }

    [Fact]
    public async Task Import_FixedAcceptedRisk_ClosesAndItsAcceptanceEnds()
    {
        var (service, _) = await ServiceAndEnvironmentAsync(SecurityPolicy.Standard);
        await ImportAsync(service, CommitA, ("CVE-2024-1234", "openssl", "3.0.1", "HIGH"), ("CVE-2024-5678", "zlib", "1.2.11", "LOW"));
        var openssl = await FindingIdAsync(service, "openssl");
        await db.Get<RiskService>().AcceptAsync(new FindingRefs([openssl], []), "patched in the base image next week", DateTimeOffset.UtcNow.AddDays(7), Approver);

        var next = await ImportAsync(service, CommitB, ("CVE-2024-5678", "zlib", "1.2.11", "LOW"));

        Assert.Equal(1, next.Fixed);
        Assert.Equal("fixed", await Sql.ScalarAsync<string>(db.ConnectionString, "SELECT status FROM vulnerability_findings WHERE id = @f", ("f", openssl)));
        Assert.Equal("fixed", await Sql.ScalarAsync<string>(db.ConnectionString,
            "SELECT end_reason FROM risk_acceptances WHERE vulnerability_finding_id = @f", ("f", openssl)));
    }

    [Fact]
    public async Task Accept_ByEngineerOrWithoutExpiryOrReason_RefusedAndNothingChanges()
    {
        var (service, _) = await ServiceAndEnvironmentAsync(SecurityPolicy.Standard);
        await ImportAsync(service, CommitA, ("CVE-2024-4321", "curl", "7.80.0", "HIGH"));
        var curl = await FindingIdAsync(service, "curl");
        var risks = db.Get<RiskService>();

        var byEngineer = await risks.AcceptAsync(new FindingRefs([curl], []), "fine", DateTimeOffset.UtcNow.AddDays(1), new Caller("e", "e", [Roles.Engineer]));
        var expired = await risks.AcceptAsync(new FindingRefs([curl], []), "fine", DateTimeOffset.UtcNow.AddDays(-1), Approver);
        var noReason = await risks.AcceptAsync(new FindingRefs([curl], []), " ", DateTimeOffset.UtcNow.AddDays(1), Approver);
        var tooLong = await risks.AcceptAsync(new FindingRefs([curl], []), "fine", DateTimeOffset.UtcNow.AddDays(400), Approver);
        var unknown = await risks.AcceptAsync(new FindingRefs([Guid.NewGuid()], []), "fine", DateTimeOffset.UtcNow.AddDays(1), Approver);

        Assert.Equal(ResultStatus.Forbidden, byEngineer.Status);
        Assert.True(expired.Errors.ContainsKey("expires_at"));
        Assert.True(noReason.Errors.ContainsKey("reason"));
        Assert.True(tooLong.Errors.ContainsKey("expires_at"));
        Assert.Equal(ResultStatus.NotFound, unknown.Status);
        Assert.Equal("open", await Sql.ScalarAsync<string>(db.ConnectionString, "SELECT status FROM vulnerability_findings WHERE id = @f", ("f", curl)));
    }

    [Fact]
    public async Task Override_AdminWithReason_NextEvaluationOfTheReleaseApprovesAndNamesIt()
    {
        var (service, environment) = await ServiceAndEnvironmentAsync(SecurityPolicy.Standard);
        await ImportAsync(service, CommitA, ("CVE-2021-44228", "log4j-core", "2.14.1", "CRITICAL"));
        var release = await db.Get<DeployGuard.Data.Services.Releases.ReleaseService>().CreateAsync(
            new DeployGuard.Data.Services.Releases.ReleaseInput { ServiceId = service, Version = "1.0.0", CommitSha = CommitA }, Admin);
        Assert.True(release.Succeeded, release.Message);
        var deployment = Guid.CreateVersion7();
        await using (var context = db.CreateContext())
        {
            context.Deployments.Add(new Deployment
            {
                Id = deployment, ReleaseId = release.Value!.Id, ServiceId = service, EnvironmentId = environment, Status = DeploymentStatus.Failed,
                CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            });
            var stage = new DeploymentStage
            {
                Id = Guid.CreateVersion7(), DeploymentId = deployment, Name = "gate", Kind = StageKind.SecurityGate, CreatedAt = DateTimeOffset.UtcNow,
                UpdatedAt = DateTimeOffset.UtcNow,
            };
            context.DeploymentStages.Add(stage);
            context.SecurityGateDecisions.Add(new SecurityGateDecision
            {
                Id = Guid.CreateVersion7(), DeploymentId = deployment, StageId = stage.Id, Decision = GateDecision.Reject, Reason = "Block", DecidedAt = DateTimeOffset.UtcNow,
            });
            await context.SaveChangesAsync();
        }

        var gate = db.Get<SecurityGateService>();
        var byEngineer = await gate.OverrideAsync(deployment, "ship it", new Caller("e", "e", [Roles.Engineer]));
        var withoutReason = await gate.OverrideAsync(deployment, "", Admin);
        var overridden = await gate.OverrideAsync(deployment, "hotfix for an outage; log4j is not on the classpath at runtime", Admin);
        var result = await gate.EvaluateAsync(new GateRequest(service, environment, CommitA, release.Value.Id));

        Assert.Equal(ResultStatus.Forbidden, byEngineer.Status);
        Assert.True(withoutReason.Errors.ContainsKey("reason"));
        Assert.True(overridden.Succeeded, overridden.Message);
        Assert.Equal(GateDecision.Approve, result.Value!.Verdict.Decision);
        Assert.Contains("Overridden by admin admin@example.test", result.Value.Verdict.Reasoning);
        Assert.Equal(1, await Sql.ScalarAsync<long>(db.ConnectionString,
            "SELECT count(*) FROM audit_logs WHERE action = 'deployment.gate_overridden' AND resource_id = @d", ("d", deployment.ToString())));
    }

    [Fact]
    public async Task SavePolicy_InvalidConditions_ErrorsNameTheConditionAndNothingIsSaved()
    {
        var (_, environment) = await ServiceAndEnvironmentAsync(SecurityPolicy.Standard);
        var policies = db.Get<SecurityPolicyService>();
        var bad = new SecurityPolicyDocument
        {
            Conditions =
            [
                new() { When = PolicyCondition.Cvss, Min = 11, Action = PolicyAction.Block },
                new() { When = "colour", Action = PolicyAction.Warn },
            ],
        };

        var result = await policies.SaveAsync(environment, bad, null, Admin);
        var byEngineer = await policies.SaveAsync(environment, new SecurityPolicyDocument(), null, new Caller("e", "e", [Roles.Engineer]));

        Assert.Contains("Condition 1: min is a CVSS score from 0 to 10.", result.Errors["conditions[0]"]);
        Assert.Contains("'colour' is not a condition", result.Errors["conditions[1]"][0]);
        Assert.Equal(ResultStatus.Forbidden, byEngineer.Status);
        Assert.Equal(0, (await policies.CurrentAsync(environment))!.Version);
    }

    private async Task<GateResult> EvaluateAsync(Guid service, Guid environment, string commit)
    {
        var result = await db.Get<SecurityGateService>().EvaluateAsync(new GateRequest(service, environment, commit));
        Assert.True(result.Succeeded, result.Message);
        return result.Value!;
    }

    private async Task<(Guid Service, Guid Environment)> ServiceAndEnvironmentAsync(SecurityPolicy preset)
    {
        var service = await db.Get<ServiceCatalogService>().CreateAsync(new ServiceInput { Name = $"gate-{Guid.NewGuid():N}"[..20] }, Admin);
        var environment = await db.Get<EnvironmentService>().CreateAsync(new EnvironmentInput
        {
            Name = $"env-{Guid.NewGuid():N}"[..16], Type = EnvironmentType.Production, SortOrder = Interlocked.Increment(ref _order),
        }, Admin);
        Assert.True(service.Succeeded, service.Message);
        Assert.True(environment.Succeeded, environment.Message);
        await using (var context = db.CreateContext())
        {
            (await context.Environments.FindAsync(environment.Value!.Id))!.SecurityPolicy = preset;
            await context.SaveChangesAsync();
        }

        return (service.Value!.Id, environment.Value!.Id);
    }

    private async Task<ImportResult> ImportAsync(Guid service, string commit, params (string Id, string Package, string Version, string Severity)[] vulnerabilities)
    {
        var json = ReportImportTests.Trivy(vulnerabilities.Select(v => (v.Id, v.Package, v.Version)).ToArray());
        foreach (var v in vulnerabilities)
        {
            json = json.Replace($"\"VulnerabilityID\":\"{v.Id}\",\"PkgName\":\"{v.Package}\",\"InstalledVersion\":\"{v.Version}\",\"FixedVersion\":\"9.9.9\",\"Severity\":\"HIGH\"",
                $"\"VulnerabilityID\":\"{v.Id}\",\"PkgName\":\"{v.Package}\",\"InstalledVersion\":\"{v.Version}\",\"FixedVersion\":\"9.9.9\",\"Severity\":\"{v.Severity}\"",
                StringComparison.Ordinal);
        }

        var result = await db.Get<ReportImportService>().ImportAsync(new ImportRequest
        {
            Report = new MemoryStream(Encoding.UTF8.GetBytes(json)), ServiceId = service, CommitSha = commit,
        }, Admin);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!;
    }

    private Task<Guid> FindingIdAsync(Guid service, string package) =>
        Sql.ScalarAsync<Guid>(db.ConnectionString, "SELECT id FROM vulnerability_findings WHERE service_id = @s AND package_name = @p", ("s", service), ("p", package));

    private async Task UploadSecretsAsync(Guid serviceId, string commit, int count)
    {
        var service = await db.Get<ServiceCatalogService>().GetAsync(serviceId);
        var now = DateTimeOffset.UtcNow;
        var repository = $"https://git.example.test/acme/{Guid.NewGuid():N}.git";
        var rows = Enumerable.Range(0, count).Select(i => new SecretFinding
        {
            Id = Guid.CreateVersion7(), RuleId = "aws-access-key", SecretType = "api_key", Severity = "critical",
            SecretValueHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(repository + i))),
            RedactedPreview = "AKIA****", ValuePattern = "AKIA[upper:16]", FilePath = $"deploy/{i}.env", Line = 1, Column = 1,
        }).ToList();
        var upload = new UploadedScan(SourcePlatform.GitHub, repository, "main", commit, service!.Name, 1, 1, now.AddSeconds(-1), now);
        var result = await db.Get<ScanJobService>().RecordUploadAsync(upload, rows, Admin);
        Assert.True(result.Succeeded, result.Message);
    }
}
