using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Tests.Fixtures;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Vulnerabilities;

/// <summary>Report import against a real database: counts per fixture, re-import idempotency, fixed and reopened, nothing stored on bad input.</summary>
public sealed class ReportImportTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Caller Engineer = new("import-engineer", "engineer@example.test", [Roles.Engineer]);

    [Theory]
    [InlineData("trivy/trivy-dd-1.json", 5, 2)]
    [InlineData("trivy/trivy-dd-2.json", 13, 0)]
    [InlineData("trivy/trivy-dd-3.json", 0, 0)]
    [InlineData("trivy/trivy-trivyrepo-1.json", 18, 0)]
    [InlineData("trivy/trivy-trivyrepo-2.json", 0, 0)]
    [InlineData("grype/grype-dd-1.json", 5, 0)]
    [InlineData("grype/grype-dd-2.json", 327, 0)]
    [InlineData("grype/grype-dd-3.json", 35, 0)]
    [InlineData("grype/grype-dd-4.json", 0, 0)]
    [InlineData("sarif/sarif-dd-1.sarif", 72, 0)]
    [InlineData("sarif/sarif-dd-2.sarif", 77, 0)]
    [InlineData("sarif/sarif-dd-3.sarif", 4, 4)]
    [InlineData("sarif/sarif-dd-4.sarif", 0, 0)]
    [InlineData("sarif/sarif-secobserve-1.sarif", 4, 0)]
    [InlineData("sarif/sarif-trivyrepo-1.sarif", 4, 0)]
    [InlineData("cyclonedx/cyclonedx-dd-1.json", 14, 0)]
    [InlineData("cyclonedx/cyclonedx-secobserve-1.json", 8, 0)]
    [InlineData("cyclonedx/cyclonedx-trivyrepo-1.json", 2, 0)]
    [InlineData("cyclonedx/cyclonedx-trivyrepo-2.json", 0, 0)]
    [InlineData("gitleaks/gitleaks-dd-1.json", 3, 3)]
    [InlineData("gitleaks/gitleaks-dd-2.json", 4, 4)]
    [InlineData("gitleaks/gitleaks-secobserve-1.json", 2, 2)]
    [InlineData("gitleaks/gitleaks-secobserve-2.json", 0, 0)]
    [InlineData("trufflehog/trufflehog-dd-1.jsonl", 3, 3)]
    public async Task ImportAsync_Fixture_EveryResultCountedFindingsDeduplicatedAndStored(string file, int findings, int secrets)
    {
        var target = $"fixture-{Guid.NewGuid():N}";

        var result = await ImportAsync(file, target);

        Assert.Equal(ReportFixtures.CountResults(file), result.ResultsInReport);
        Assert.Equal(findings, result.Findings);
        Assert.Equal(secrets, result.Secrets);
        Assert.Equal((findings, 0, 0), (result.New, result.Unchanged, result.Fixed));
        var stored = await Sql.ScalarAsync<int>(db.ConnectionString, "SELECT count(*) FROM vulnerability_findings f JOIN finding_scopes sc ON sc.id = f.scope_id WHERE sc.scope_key = @s", ("s", "target:" + target));
        var copies = await Sql.ScalarAsync<int>(db.ConnectionString, "SELECT count(*) FROM vulnerabilities WHERE scan_id = @id", ("id", result.ScanId));
        Assert.Equal(findings - secrets, stored);
        Assert.Equal(findings - secrets, copies);
        Assert.Equal("completed", await Sql.ScalarAsync<string>(db.ConnectionString, "SELECT status FROM scans WHERE id = @id", ("id", result.ScanId)));
    }

    [Fact]
    public async Task ImportAsync_SameReportTwice_SecondChangesNothing()
    {
        var target = $"same-{Guid.NewGuid():N}";
        var first = await ImportAsync("grype/grype-dd-3.json", target);

        var second = await ImportAsync("grype/grype-dd-3.json", target);

        Assert.Equal((35, 0), (first.New, first.Fixed));
        Assert.Equal((0, 35, 0, 0), (second.New, second.Unchanged, second.Reopened, second.Fixed));
        Assert.Equal(35, await Sql.ScalarAsync<int>(db.ConnectionString,
            "SELECT count(*) FROM vulnerability_findings f JOIN finding_scopes sc ON sc.id = f.scope_id WHERE sc.scope_key = @s AND f.status = 'open' AND f.reported AND sc.last_scan_id = @id",
            ("s", "target:" + target), ("id", second.ScanId)));
        Assert.Equal(1, await Sql.ScalarAsync<int>(db.ConnectionString,
            "SELECT count(DISTINCT f.first_scan_id) FROM vulnerability_findings f JOIN finding_scopes sc ON sc.id = f.scope_id WHERE sc.scope_key = @s",
            ("s", "target:" + target)));
    }

    [Theory]
    [InlineData("trivy/trivy-trivyrepo-1.json")]
    [InlineData("sarif/sarif-dd-2.sarif")]
    [InlineData("grype/grype-dd-3.json")]
    public async Task ImportAsync_SameReportTwice_RewritesNoFinding(string file)
    {
        var target = $"untouched-{Guid.NewGuid():N}";
        const string Versions = "SELECT string_agg(f.id::text || ':' || f.xmin::text, ',' ORDER BY f.id) FROM vulnerability_findings f JOIN finding_scopes sc ON sc.id = f.scope_id WHERE sc.scope_key = @s";
        await ImportAsync(file, target);
        var before = await Sql.ScalarAsync<string>(db.ConnectionString, Versions, ("s", "target:" + target));

        var second = await ImportAsync(file, target);

        // Every finding is the row version the first import wrote (its details included): an unchanged report rewrites none.
        Assert.Equal(0, second.New);
        Assert.Equal(before, await Sql.ScalarAsync<string>(db.ConnectionString, Versions, ("s", "target:" + target)));
    }

    [Fact]
    public async Task Vulnerabilities_ScanOrScopeThatDoesNotExist_InsertRefusedAndDeletesCascade()
    {
        var target = $"references-{Guid.NewGuid():N}";
        var imported = await ImportAsync("grype/grype-dd-3.json", target);
        var scopeId = await Sql.ScalarAsync<long>(db.ConnectionString, "SELECT id FROM finding_scopes WHERE scope_key = @s", ("s", "target:" + target));

        // The per-statement checks that replace the foreign keys (migration ImportFastPath) refuse what a foreign key would.
        var noScan = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Sql.ExecuteAsync(db.ConnectionString, """
            INSERT INTO vulnerabilities (id, scan_id, finding_id, cve_id, severity, epss_predicted, change, created_at)
            SELECT gen_random_uuid(), @scan, finding_id, cve_id, severity, false, 'new', now() FROM vulnerabilities WHERE scan_id = @real
            """, ("scan", Guid.NewGuid()), ("real", imported.ScanId)));
        var noScope = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Sql.ExecuteAsync(db.ConnectionString, """
            INSERT INTO vulnerability_findings (id, scope_id, identity, reported, target, kind, vulnerability_id, severity, severity_rank, cvss_computed,
                epss_predicted, known_exploited, fix_available, status, suppressed, first_seen_at, last_seen_at, first_scan_id, last_scan_id)
            VALUES (gen_random_uuid(), -1, gen_random_uuid(), true, 'x', 'vulnerability', 'CVE-2024-1', 'low', 1, false, false, false, false, 'open', false,
                now(), now(), gen_random_uuid(), gen_random_uuid())
            """));
        var moved = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Sql.ExecuteAsync(db.ConnectionString,
            "UPDATE vulnerabilities SET scan_id = gen_random_uuid() WHERE scan_id = @id", ("id", imported.ScanId)));

        Assert.Equal(["23503", "23503", "23503"], new[] { noScan.SqlState, noScope.SqlState, moved.SqlState });
        Assert.Equal(35, await Sql.ScalarAsync<int>(db.ConnectionString, "SELECT count(*) FROM vulnerabilities WHERE scan_id = @id", ("id", imported.ScanId)));

        await Sql.ExecuteAsync(db.ConnectionString, "DELETE FROM finding_scopes WHERE id = @id", ("id", scopeId));
        await Sql.ExecuteAsync(db.ConnectionString, "DELETE FROM scans WHERE id = @id", ("id", imported.ScanId));

        Assert.Equal(0, await Sql.ScalarAsync<int>(db.ConnectionString, "SELECT count(*) FROM vulnerability_findings WHERE scope_id = @id", ("id", scopeId)));
        Assert.Equal(0, await Sql.ScalarAsync<int>(db.ConnectionString, "SELECT count(*) FROM vulnerabilities WHERE scan_id = @id", ("id", imported.ScanId)));
    }

    [Fact]
    public async Task ImportAsync_FindingMissingFromLaterScan_FixedThenReopensWhenItComesBack()
    {
        var target = $"image-{Guid.NewGuid():N}";
        var all = Trivy(("CVE-2024-0001", "openssl", "3.0.1"), ("CVE-2024-0002", "zlib", "1.2.11"), ("CVE-2024-0003", "curl", "7.80.0"));
        var withoutCurl = Trivy(("CVE-2024-0001", "openssl", "3.0.1"), ("CVE-2024-0002", "zlib", "1.2.11"));

        var first = await ImportTextAsync(all, target);
        var second = await ImportTextAsync(withoutCurl, target);
        var curlAfterSecond = await CurlStatusAsync(target);
        var third = await ImportTextAsync(all, target);

        Assert.Equal((3, 0, 0), (first.New, first.Unchanged, first.Fixed));
        Assert.Equal((0, 2, 1), (second.New, second.Unchanged, second.Fixed));
        Assert.Equal("fixed", curlAfterSecond);
        Assert.Equal((0, 2, 1, 0), (third.New, third.Unchanged, third.Reopened, third.Fixed));
        Assert.Equal("open", await CurlStatusAsync(target));
        Assert.Equal(["new", "reopened"], await Sql.ListAsync<string>(db.ConnectionString,
            "SELECT v.change FROM vulnerabilities v JOIN vulnerability_findings f ON f.id = v.finding_id JOIN finding_scopes sc ON sc.id = f.scope_id WHERE sc.scope_key = @s AND f.package_name = 'curl' ORDER BY v.created_at",
            ("s", "target:" + target)));
    }

    [Fact]
    public async Task ImportAsync_OtherScannerSameTarget_DoesNotFixTheFirstScannersFindings()
    {
        var target = $"both-{Guid.NewGuid():N}";
        await ImportTextAsync(Trivy(("CVE-2024-1111", "openssl", "3.0.1")), target);

        var sarif = await ImportAsync("sarif/sarif-secobserve-1.sarif", target);

        Assert.Equal(0, sarif.Fixed);
        Assert.Equal("open", await Sql.ScalarAsync<string>(db.ConnectionString,
            "SELECT f.status FROM vulnerability_findings f JOIN finding_scopes sc ON sc.id = f.scope_id WHERE sc.scope_key = @s AND sc.scanner = 'trivy'",
            ("s", "target:" + target)));
    }

    [Theory]
    [InlineData("""{"SchemaVersion":2,"Results":[{"Target":"x","Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"a"}""", "Trivy JSON", "truncated")]
    [InlineData("""{"matches":[{"vulnerability":{"id":"CVE-1"},"artifact": nope}]}""", "Grype JSON", "line 1")]
    [InlineData("""{"dependencies":{"left-pad":"1.0.0"}}""", "unknown", "keys dependencies")]
    public async Task ImportAsync_BrokenReport_ClearErrorAndNothingStored(string text, string format, string where)
    {
        var target = $"broken-{Guid.NewGuid():N}";
        var scansBefore = await Sql.ScalarAsync<long>(db.ConnectionString, "SELECT count(*) FROM scans");

        var result = await db.Get<ReportImportService>().ImportAsync(new ImportRequest
        {
            Report = new MemoryStream(Encoding.UTF8.GetBytes(text)), Target = target,
        }, Engineer);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.StartsWith(format, result.Errors["file"][0]);
        Assert.Contains(where, result.Errors["file"][0]);
        Assert.Equal(scansBefore, await Sql.ScalarAsync<long>(db.ConnectionString, "SELECT count(*) FROM scans"));
        Assert.Equal(0, await Sql.ScalarAsync<long>(db.ConnectionString, "SELECT count(*) FROM vulnerability_findings f JOIN finding_scopes sc ON sc.id = f.scope_id WHERE sc.scope_key = @s",
            ("s", "target:" + target)));
    }

    [Fact]
    public async Task ImportAsync_SecretReports_ValuesNeverStoredAndReimportAddsNoCopies()
    {
        var target = $"repo-{Guid.NewGuid():N}";
        await ImportAsync("gitleaks/gitleaks-dd-1.json", target);

        var again = await ImportAsync("gitleaks/gitleaks-dd-1.json", target);

        Assert.Equal((0, 3), (again.New, again.Unchanged));
        Assert.Equal(3, await Sql.ScalarAsync<int>(db.ConnectionString, "SELECT count(*) FROM secret_findings WHERE scope_key = @s", ("s", "repo:" + target)));
        Assert.Equal(6, await Sql.ScalarAsync<int>(db.ConnectionString,
            "SELECT count(*) FROM secret_finding_sightings s JOIN secret_findings f ON f.id = s.finding_id WHERE f.scope_key = @s", ("s", "repo:" + target)));
        var everything = await Sql.ScalarAsync<string>(db.ConnectionString, """
            SELECT coalesce(string_agg(row_to_json(f)::text, ' '), '') || (SELECT coalesce(string_agg(result_json::text, ' '), '') FROM scans)
                   || (SELECT coalesce(string_agg(details::text, ' '), '') FROM audit_logs)
            FROM secret_findings f
            """);
        Assert.DoesNotContain("secretAWSsecret", everything);
    }

    [Fact]
    public async Task ImportAsync_GitleaksSecret_StoredKeyedAndTheSameFindingAsTheScannersOwn()
    {
        var key = db.Get<SecretHashKey>();
        var target = $"repo-{Guid.NewGuid():N}";
        var sha = DeployGuard.Scanning.SecretHasher.Hash("secretAWSsecret");
        await ImportAsync("gitleaks/gitleaks-dd-1.json", target);
        var jobId = Guid.CreateVersion7();
        await using (var context = db.CreateContext())
        {
            context.ScanJobs.Add(new ScanJob
            {
                Id = jobId, SourcePlatform = SourcePlatform.Local, SourceUrl = target, Status = ScanStatus.Scanning, ClaimedBy = "test-worker",
                CreatedAt = DateTimeOffset.UtcNow,
            });
            await context.SaveChangesAsync();
        }

        // The built-in scanner sees the same value in the same file of that repository.
        await db.Get<ScanJobQueue>().AddFindingsAsync(jobId, "test-worker", [new SecretFinding
        {
            Id = Guid.CreateVersion7(), RuleId = "aws-access-token", SecretType = "aws_access_key", Severity = "critical", SecretValueHash = sha,
            RedactedPreview = "se*************", ValuePattern = "[alnum:15]", FilePath = "conf/aws.tf", Line = 2, Column = 24038,
        }]);

        var rows = await Sql.ListAsync<string>(db.ConnectionString,
            "SELECT secret_value_hash || ' ' || coalesce(hash_key_id, '-') || ' ' || identity || ' ' || file_path FROM secret_findings WHERE scope_key = @s",
            ("s", "repo:" + target));
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(key.KeyId, r.Split(' ')[1]));
        Assert.All(rows, r => Assert.Equal(DeployGuard.Scanning.Reports.FindingIdentity.Secret(r.Split(' ')[0], r.Split(' ')[3]), r.Split(' ')[2]));
        var aws = Assert.Single(rows, r => r.EndsWith(" conf/aws.tf", StringComparison.Ordinal));
        Assert.Equal(key.Keyed(sha), aws.Split(' ')[0]);
        Assert.NotEqual(DeployGuard.Scanning.Reports.FindingIdentity.Secret(sha, "conf/aws.tf"), aws.Split(' ')[2]);
        Assert.Equal(2, await Sql.ScalarAsync<int>(db.ConnectionString,
            "SELECT count(*) FROM secret_finding_sightings s JOIN secret_findings f ON f.id = s.finding_id WHERE f.scope_key = @s AND f.file_path = 'conf/aws.tf'",
            ("s", "repo:" + target)));
    }

    [Fact]
    public async Task RecordUploadAsync_ThreeScansOfOneRepository_OneRowPerSecretAndTriageCoversEveryScan()
    {
        var service = await CreateServiceAsync();
        var repository = $"https://git.example.test/acme/{Guid.NewGuid():N}.git";
        var jobs = new List<Guid>();
        for (var scan = 0; scan < 3; scan++)
        {
            jobs.Add(await UploadSecretsAsync(service, repository, 6));
        }

        var rows = await Sql.ListAsync<Guid>(db.ConnectionString, "SELECT id FROM secret_findings WHERE scope_key = @s", ("s", "repo:" + repository));
        var findings = db.Get<FindingService>();
        var seenByLast = (await findings.ListAsync(new FindingQuery { JobId = jobs[2], Take = 50 })).Items;
        var triaged = await findings.TriageAsync([seenByLast[0].Id], FindingStatus.FalsePositive, "test fixture", Engineer);

        Assert.Equal(6, rows.Count);
        Assert.Equal(6, seenByLast.Count);
        Assert.True(triaged.Succeeded, triaged.Message);
        foreach (var job in jobs)
        {
            var status = (await findings.ListAsync(new FindingQuery { JobId = job, Take = 50 })).Items.Single(f => f.Id == seenByLast[0].Id).Status;
            Assert.Equal(FindingStatus.FalsePositive, status);
        }
    }

    [Fact]
    public async Task ImportAsync_ForServiceOfAnotherTeam_Forbidden()
    {
        var team = await db.Get<TeamService>().CreateAsync(new TeamInput { Name = $"t-{Guid.NewGuid():N}"[..12] }, Caller.System);
        var service = await db.Get<ServiceCatalogService>().CreateAsync(new ServiceInput { Name = $"svc-{Guid.NewGuid():N}"[..20], TeamId = team.Value!.Id },
            Caller.System);
        var outsider = new Caller($"outsider-{Guid.NewGuid():N}", "outsider", [Roles.Engineer]);

        var result = await db.Get<ReportImportService>().ImportAsync(new ImportRequest
        {
            Report = ReportFixtures.Open("grype/grype-dd-4.json"), ServiceId = service.Value!.Id,
        }, outsider);
        var viewer = await db.Get<ReportImportService>().ImportAsync(new ImportRequest { Report = ReportFixtures.Open("grype/grype-dd-4.json") },
            new Caller("v", "viewer", [Roles.Viewer]));

        Assert.Equal(ResultStatus.Forbidden, result.Status);
        Assert.Equal(ResultStatus.Forbidden, viewer.Status);
    }

    private async Task<ImportResult> ImportAsync(string fixture, string target)
    {
        await using var stream = ReportFixtures.Open(fixture);
        var result = await db.Get<ReportImportService>().ImportAsync(new ImportRequest { Report = stream, Target = target, FileName = fixture }, Engineer);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!;
    }

    private async Task<ImportResult> ImportTextAsync(string json, string target)
    {
        var result = await db.Get<ReportImportService>().ImportAsync(new ImportRequest { Report = new MemoryStream(Encoding.UTF8.GetBytes(json)), Target = target },
            Engineer);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!;
    }

    private Task<string> CurlStatusAsync(string target) =>
        Sql.ScalarAsync<string>(db.ConnectionString,
            "SELECT f.status FROM vulnerability_findings f JOIN finding_scopes sc ON sc.id = f.scope_id WHERE sc.scope_key = @s AND f.package_name = 'curl'",
            ("s", "target:" + target));

    /// <summary>A minimal Trivy image report with the given vulnerabilities.</summary>
    internal static string Trivy(params (string Id, string Package, string Version)[] vulnerabilities) =>
        $$"""
        {"SchemaVersion":2,"ArtifactName":"shop/api:1.0","ArtifactType":"container_image","Results":[{"Target":"shop/api:1.0 (debian 12.5)","Class":"os-pkgs","Type":"debian",
         "Vulnerabilities":[{{string.Join(",", vulnerabilities.Select(v =>
             "{\"VulnerabilityID\":\"" + v.Id + "\",\"PkgName\":\"" + v.Package + "\",\"InstalledVersion\":\"" + v.Version
             + "\",\"FixedVersion\":\"9.9.9\",\"Severity\":\"HIGH\",\"CVSS\":{\"nvd\":{\"V3Vector\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}}}"))}}]}]}
        """;

    private async Task<Guid> CreateServiceAsync()
    {
        var result = await db.Get<ServiceCatalogService>().CreateAsync(new ServiceInput { Name = $"import-{Guid.NewGuid():N}"[..20] }, Caller.System);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.Id;
    }

    private async Task<Guid> UploadSecretsAsync(Guid serviceId, string repository, int count)
    {
        var service = await db.Get<ServiceCatalogService>().GetAsync(serviceId);
        var now = DateTimeOffset.UtcNow;
        var rows = Enumerable.Range(0, count).Select(i => new SecretFinding
        {
            Id = Guid.CreateVersion7(), RuleId = "test-rule", SecretType = "token", Severity = "high",
            SecretValueHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(repository + i))),
            RedactedPreview = "tok_****", ValuePattern = "tok_[alnum:20]", FilePath = $"src/file{i}.cs", Line = 1 + i, Column = 1,
        }).ToList();
        var upload = new UploadedScan(SourcePlatform.GitHub, repository, "main", null, service!.Name, 1, 1, now.AddSeconds(-1), now);
        var result = await db.Get<ScanJobService>().RecordUploadAsync(upload, rows, Caller.System);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.Id;
    }
}
