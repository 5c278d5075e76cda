using System.Text;
using System.Text.Json;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Reports;
using DeployGuard.Tests.Fixtures;

namespace DeployGuard.Tests.Scanning.Reports;

public sealed class ReportReaderTests
{
    /// <summary>Every shared fixture: its format, and the distinct findings verified by hand (jq over the files, see each comment).</summary>
    [Theory]
    [InlineData("trivy/trivy-dd-1.json", ReportFormat.Trivy, 5)] // 2 vulnerabilities, 1 misconfiguration, 2 secrets in 2 files
    [InlineData("trivy/trivy-dd-2.json", ReportFormat.Trivy, 13)]
    [InlineData("trivy/trivy-dd-3.json", ReportFormat.Trivy, 0)] // a Result without findings
    [InlineData("trivy/trivy-trivyrepo-1.json", ReportFormat.Trivy, 18)] // 18 failed misconfigurations, distinct by rule and message
    [InlineData("trivy/trivy-trivyrepo-2.json", ReportFormat.Trivy, 0)] // no Results key
    [InlineData("grype/grype-dd-1.json", ReportFormat.Grype, 5)] // GHSA-v6rh-hp5x-86rv in Django 3.2.9 is matched twice
    [InlineData("grype/grype-dd-2.json", ReportFormat.Grype, 327)]
    [InlineData("grype/grype-dd-3.json", ReportFormat.Grype, 35)]
    [InlineData("grype/grype-dd-4.json", ReportFormat.Grype, 0)]
    [InlineData("sarif/sarif-dd-1.sarif", ReportFormat.Sarif, 72)] // CodeQL, distinct partialFingerprints
    [InlineData("sarif/sarif-dd-2.sarif", ReportFormat.Sarif, 77)] // Semgrep, distinct fingerprints
    [InlineData("sarif/sarif-dd-3.sarif", ReportFormat.Sarif, 4)] // gitleaks: 8 commits of 4 (value, file) pairs
    [InlineData("sarif/sarif-dd-4.sarif", ReportFormat.Sarif, 0)]
    [InlineData("sarif/sarif-secobserve-1.sarif", ReportFormat.Sarif, 4)]
    [InlineData("sarif/sarif-trivyrepo-1.sarif", ReportFormat.Sarif, 4)] // 2 CVEs x 2 packages (libcrypto1.1, libssl1.1) at one location
    [InlineData("cyclonedx/cyclonedx-dd-1.json", ReportFormat.CycloneDx, 14)] // 10 vulnerabilities affecting 14 components
    [InlineData("cyclonedx/cyclonedx-secobserve-1.json", ReportFormat.CycloneDx, 8)]
    [InlineData("cyclonedx/cyclonedx-trivyrepo-1.json", ReportFormat.CycloneDx, 2)]
    [InlineData("cyclonedx/cyclonedx-trivyrepo-2.json", ReportFormat.CycloneDx, 0)] // vulnerabilities: []
    [InlineData("gitleaks/gitleaks-dd-1.json", ReportFormat.Gitleaks, 3)]
    [InlineData("gitleaks/gitleaks-dd-2.json", ReportFormat.Gitleaks, 4)] // v7: 8 leaks, 4 (offender, file) pairs
    [InlineData("gitleaks/gitleaks-secobserve-1.json", ReportFormat.Gitleaks, 2)]
    [InlineData("gitleaks/gitleaks-secobserve-2.json", ReportFormat.Gitleaks, 0)] // []
    [InlineData("trufflehog/trufflehog-dd-1.jsonl", ReportFormat.Trufflehog, 3)] // 4 lines, the last without a newline; two share Raw and file
    public void Open_Fixture_FormatDetectedEveryResultCountedAndDeduplicated(string file, ReportFormat format, int distinct)
    {
        using var stream = ReportFixtures.Open(file);

        var report = ReportReader.Open(stream);
        var results = report.Results.ToList();

        Assert.Equal(format, report.Format);
        Assert.Equal(ReportFixtures.CountResults(file), report.Header.ResultsInReport);
        Assert.Equal(distinct, results.Select(r => r.Identity).Distinct().Count());
    }

    [Fact]
    public void Fixtures_EveryFileCovered_NoneForgotten()
    {
        Assert.Equal(24, ReportFixtures.All().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n\t ")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\uFEFF[]")]
    public void Open_EmptyInputs_ZeroResultsWithoutError(string text)
    {
        var report = ReportReader.Open(new MemoryStream(Encoding.UTF8.GetBytes(text)));

        Assert.Empty(report.Results);
        Assert.Equal(0, report.Header.ResultsInReport);
    }

    [Fact]
    public void Open_EmptyFileForcedAsTrufflehog_ZeroTrufflehogResults()
    {
        var report = ReportReader.Open(new MemoryStream(), ReportFormat.Trufflehog);

        Assert.Empty(report.Results);
        Assert.Equal(("trufflehog", ReportFormat.Trufflehog), (report.Header.Tool, report.Format));
    }

    [Fact]
    public void Open_TrivyFilesystemScan_VulnerabilityMisconfigurationAndMaskedSecrets()
    {
        var report = ReportReader.Open(ReportFixtures.Open("trivy/trivy-dd-1.json"));
        var results = report.Results.ToList();

        var urllib3 = results.Single(r => r.RuleId == "CVE-2021-33503");
        Assert.Equal(("urllib3", "1.26.3", "requirements.txt", Severity.High), (urllib3.PackageName, urllib3.PackageVersion, urllib3.Path, urllib3.Severity));
        Assert.Equal(["1.26.5"], urllib3.FixedVersions);
        Assert.Equal(("3.1", 7.5, false), (urllib3.Cvss!.Version, urllib3.Cvss.BaseScore, urllib3.Cvss.Computed));
        Assert.Equal(["CWE-400"], urllib3.Cwes);
        var misconfiguration = Assert.Single(results, r => r.Kind == ResultKind.Misconfiguration);
        Assert.Equal(("DS002", "Dockerfile", Severity.High), (misconfiguration.RuleId, misconfiguration.Path, misconfiguration.Severity));
        var secrets = results.Where(r => r.Kind == ResultKind.Secret).ToList();
        Assert.Equal(["Dockerfile", "secret.txt"], secrets.Select(s => s.Secret!.FilePath));
        Assert.All(secrets, s => Assert.Equal(("*****", SecretType.Token, Severity.Critical), (s.Secret!.RedactedPreview, s.Secret.SecretType, s.Severity)));
        Assert.Equal(".", report.Header.Target);
    }

    [Fact]
    public void Open_GrypeOldAndNewSchemas_CvssFixesAndAliases()
    {
        var old = ReportReader.Open(ReportFixtures.Open("grype/grype-dd-2.json")).Results.ToList();
        var recent = ReportReader.Open(ReportFixtures.Open("grype/grype-dd-3.json")).Results.ToList();

        var bash = old.First(r => r.RuleId == "CVE-2019-18276");
        Assert.Equal(("bash", "5.0-4", "deb", Severity.Info, "Negligible"), (bash.PackageName, bash.PackageVersion, bash.PackageType, bash.Severity, bash.SourceSeverity));
        Assert.Equal(("2.0", 7.2), (bash.Cvss!.Version, bash.Cvss.BaseScore));
        var avahi = recent.First(r => r.RuleId == "CVE-2023-38473");
        Assert.Equal(["0:0.7-21.el8_9.1"], avahi.FixedVersions);
        Assert.Equal(("3.1", 6.2, Severity.Medium), (avahi.Cvss!.Version, avahi.Cvss.BaseScore, avahi.Severity));
        Assert.Equal("/var/lib/rpm/Packages", avahi.Path);
    }

    [Fact]
    public void Open_GrypeWithEpssAndKev_TakesThemFromTheReport()
    {
        const string json = """
            {"matches":[{"vulnerability":{"id":"CVE-2021-44228","severity":"Critical","fix":{"versions":["2.15.0"],"state":"fixed"},
              "cvss":[{"version":"3.1","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H","metrics":{"baseScore":10}}],
              "epss":[{"cve":"CVE-2021-44228","epss":0.94358,"percentile":0.99957,"date":"2025-01-01"}],
              "knownExploited":[{"cve":"CVE-2021-44228","knownRansomwareCampaignUse":"Known"}],"risk":94.3},
              "artifact":{"name":"log4j-core","version":"2.14.1","type":"java-archive","purl":"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
              "locations":[{"path":"/app/lib/log4j-core-2.14.1.jar"}]}}],
             "source":{"type":"image","target":{"userInput":"shop/api:1.4"}},"descriptor":{"name":"grype","version":"0.87.0"}}
            """;

        var report = ReportReader.Open(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        var log4shell = Assert.Single(report.Results);

        Assert.Equal((0.94358, 0.99957, true), (log4shell.Epss, log4shell.EpssPercentile, log4shell.KnownExploited));
        Assert.Equal(("shop/api:1.4", "0.87.0"), (report.Header.Target, report.Header.ToolVersion));
        Assert.True(log4shell.FixAvailable);
    }

    [Fact]
    public void Open_SarifFromSecretScanner_ValuesHashedNeverKept()
    {
        var results = ReportReader.Open(ReportFixtures.Open("sarif/sarif-dd-3.sarif")).Results.ToList();

        Assert.All(results, r => Assert.Equal(ResultKind.Secret, r.Kind));
        var first = results[0].Secret!;
        Assert.Equal(SecretHasher.Hash("AKIAIOSFODNN7" + "EXAMPLE"), first.SecretHash);
        Assert.Equal(("dojo/unittests/scans/gitlab_secret_detection_report/gitlab_secret_detection_report_1_vuln.json", 13),
            (first.FilePath, first.Line));
        Assert.Equal("6d127980966808f7413935678e079dcd7fedf9c2", first.Commit!.Sha);
        Assert.DoesNotContain("AKIAIOSFODNN7" + "EXAMPLE", JsonSerializer.Serialize(results));
    }

    [Fact]
    public void Open_SarifFromTrivyAndCheckov_VulnerabilitiesWithPackagesAndMisconfigurations()
    {
        var trivy = ReportReader.Open(ReportFixtures.Open("sarif/sarif-trivyrepo-1.sarif")).Results.ToList();
        var checkov = ReportReader.Open(ReportFixtures.Open("sarif/sarif-secobserve-1.sarif")).Results.ToList();
        var codeql = ReportReader.Open(ReportFixtures.Open("sarif/sarif-dd-1.sarif")).Results.ToList();

        Assert.Equal(["libcrypto1.1", "libcrypto1.1", "libssl1.1", "libssl1.1"], trivy.Select(r => r.PackageName).Order());
        Assert.All(trivy, r => Assert.Equal((ResultKind.Vulnerability, "1.1.1c-r0"), (r.Kind, r.PackageVersion)));
        Assert.Equal(("CKV_DOCKER_2", ResultKind.Misconfiguration, "frontend/docker/Dockerfile"), (checkov[0].RuleId, checkov[0].Kind, checkov[0].Path));
        var empty = codeql.First(r => r.RuleId == "py/empty-except");
        Assert.Equal(("good/db_init.py", 39, ResultKind.CodeIssue), (empty.Path, empty.Line, empty.Kind));
        Assert.StartsWith("primaryLocationLineHash=", empty.ToolFingerprint);
    }

    [Fact]
    public void Open_OurOwnSarif_RoundTripsTheHash()
    {
        var findings = new SecretScanner().ScanText("t = " + "gh" + "p_" + new Support.FakeSecrets(3).Alnum(36), "src/a b.py");
        var sarif = SarifWriter.Write(SarifWriterTests.Report(findings));

        var result = Assert.Single(ReportReader.Open(new MemoryStream(Encoding.UTF8.GetBytes(sarif))).Results);

        Assert.Equal((ResultKind.Secret, "github-pat", "src/a b.py", 1, Severity.Critical), (result.Kind, result.RuleId, result.Secret!.FilePath, result.Line, result.Severity));
        Assert.Equal(findings[0].SecretHash, result.Secret.SecretHash);
        Assert.Equal(findings[0].ValuePattern, result.Secret.ValuePattern);
    }

    [Fact]
    public void Open_CycloneDx_AffectsResolvedToComponentsWithRatings()
    {
        var results = ReportReader.Open(ReportFixtures.Open("cyclonedx/cyclonedx-trivyrepo-1.json")).Results.ToList();
        var grype = ReportReader.Open(ReportFixtures.Open("cyclonedx/cyclonedx-secobserve-1.json")).Results.ToList();

        var jackson = results.Single(r => r.RuleId == "CVE-2020-9548");
        Assert.Equal(("com.fasterxml.jackson.core:jackson-databind", "2.9.1", "maven"), (jackson.PackageName, jackson.PackageVersion, jackson.PackageType));
        Assert.Equal(("3.1", 9.8, Severity.Critical), (jackson.Cvss!.Version, jackson.Cvss.BaseScore, jackson.Severity));
        Assert.Equal(["2.9.10.4"], jackson.FixedVersions);
        Assert.Equal(["CWE-502"], jackson.Cwes);
        var python = grype.Single(r => r.RuleId == "CVE-2007-4559");
        Assert.Equal(("python", "3.11.3", Severity.Medium), (python.PackageName, python.PackageVersion, python.Severity));
    }

    [Fact]
    public void Open_CycloneDxAnalysisStates_NotAffectedSuppressedResolvedSkipped()
    {
        const string json = """
            {"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"bom-ref":"app","name":"shop","type":"application"}},
             "components":[{"bom-ref":"a","name":"left-pad","version":"1.0.0","purl":"pkg:npm/left-pad@1.0.0"},
                           {"bom-ref":"b","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20"}],
             "dependencies":[{"ref":"app","dependsOn":["b"]},{"ref":"b","dependsOn":["a"]}],
             "vulnerabilities":[
               {"id":"CVE-2021-23337","ratings":[{"score":7.2,"severity":"high","method":"CVSSv31","vector":"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
                "affects":[{"ref":"b"}],"analysis":{"state":"not_affected","justification":"code_not_reachable"}},
               {"id":"CVE-2099-0001","ratings":[{"severity":"low"}],"affects":[{"ref":"a"}]},
               {"id":"CVE-2099-0002","ratings":[{"severity":"high"}],"affects":[{"ref":"a"}],"analysis":{"state":"resolved"}}]}
            """;

        var report = ReportReader.Open(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        var results = report.Results.ToList();

        Assert.Equal(3, report.Header.ResultsInReport);
        Assert.Equal(2, results.Count);
        var lodash = results[0];
        Assert.True(lodash.Suppressed);
        Assert.Equal(("CycloneDX analysis: not_affected (code_not_reachable)", true), (lodash.SuppressionReason, lodash.Direct));
        Assert.Equal((false, Severity.Low), (results[1].Direct, results[1].Severity));
    }

    [Fact]
    public void Open_Gitleaks_V8AndV7_HashedWithPositionsAndCommits()
    {
        var v8 = ReportReader.Open(ReportFixtures.Open("gitleaks/gitleaks-dd-1.json")).Results.Select(r => r.Secret!).ToList();
        var v7 = ReportReader.Open(ReportFixtures.Open("gitleaks/gitleaks-dd-2.json")).Results.Select(r => r.Secret!).ToList();

        var aws = v8[0];
        Assert.Equal(("aws-access-token", "conf/aws.tf", 2, 24038), (aws.RuleId, aws.FilePath, aws.Line, aws.Column));
        Assert.Equal(SecretHasher.Hash("secretAWSsecret"), aws.SecretHash);
        Assert.Equal(new DateTimeOffset(2021, 10, 14, 17, 5, 15, TimeSpan.Zero), aws.Commit!.Date);
        Assert.Equal(SecretType.PrivateKey, v8[2].SecretType);
        Assert.Equal(("aws-access-key", 13, 35), (v7[0].RuleId, v7[0].Line, v7[0].Column));
        Assert.Equal("feat: added GitLab secret detection report parser (#4605)", v7[0].Commit!.Subject);
    }

    [Fact]
    public void Open_Trufflehog_DecodesRawThenHashesIt()
    {
        var findings = ReportReader.Open(ReportFixtures.Open("trufflehog/trufflehog-dd-1.jsonl")).Results.Select(r => r.Secret!).ToList();

        var aws = findings[0];
        Assert.Equal(("trufflehog-aws", "keys", 4, Severity.Critical), (aws.RuleId, aws.FilePath, aws.Line, aws.Severity));
        Assert.Equal(SecretHasher.Hash("AK" + "IAYVP4CIPPERUVIFXG"), aws.SecretHash);
        Assert.Equal(("counter", "counter@counters-MacBook-Air.local"), (aws.Commit!.AuthorName, aws.Commit.AuthorEmail));
        Assert.Equal(new DateTimeOffset(2022, 6, 16, 10, 17, 40, TimeSpan.FromHours(-7)), aws.Commit.Date);
        Assert.Equal(SecretType.PrivateKey, findings[2].SecretType);
    }

    [Theory]
    [InlineData("gitleaks/gitleaks-dd-1.json", "secretAWSsecret")]
    [InlineData("trufflehog/trufflehog-dd-1.jsonl", "AKIAYVP4CIPPERUVIFXG")]
    [InlineData("sarif/sarif-dd-3.sarif", "AKIAIOSFODNN7EXAMPLE")]
    public void Open_SecretReports_RawValueInNoResultField(string file, string value)
    {
        var results = ReportReader.Open(ReportFixtures.Open(file)).Results.ToList();

        Assert.Contains(value, ReportFixtures.Text(file));
        Assert.DoesNotContain(value, JsonSerializer.Serialize(results));
    }

    [Fact]
    public void Open_TrickleStream_SameResultsAsWholeFile()
    {
        // One byte per read: every refill and resume path of the streaming reader is taken.
        var whole = ReportReader.Open(ReportFixtures.Open("grype/grype-dd-3.json")).Results.Select(r => r.Identity).ToList();
        var trickled = ReportReader.Open(new TrickleStream(File.ReadAllBytes(ReportFixtures.PathOf("grype/grype-dd-3.json")))).Results
            .Select(r => r.Identity).ToList();

        Assert.Equal(whole, trickled);
    }

    [Fact]
    public void Open_OneResultLargerThanTheBuffer_BufferGrows()
    {
        var vulnerabilities = string.Join(",", Enumerable.Range(0, 5000).Select(i =>
            $$"""{"VulnerabilityID":"CVE-2024-{{i:D5}}","PkgName":"pkg{{i}}","InstalledVersion":"1.0","Severity":"LOW","Description":"{{new string('x', 200)}}"}"""));
        var json = $$"""{"SchemaVersion":2,"ArtifactName":"big","Results":[{"Target":"big (alpine 3.19)","Class":"os-pkgs","Vulnerabilities":[{{vulnerabilities}}]}]}""";

        var report = ReportReader.Open(new MemoryStream(Encoding.UTF8.GetBytes(json)));

        Assert.True(json.Length > 1_000_000);
        Assert.Equal(5000, report.Results.Count());
    }

    [Theory]
    [InlineData("""{"SchemaVersion":2,"Results":[{"Target":"x",}]}""", "Trivy JSON", "line 1")]
    [InlineData("{\"matches\":[{\"vulnerability\":{\"id\":\"CVE-1\"},\n\"artifact\": nope}]}", "Grype JSON", "line 2")]
    [InlineData("""{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"a"} {"ruleId":"b"}]}]}""", "SARIF 2.1.0", "line 1")]
    public void Open_MalformedJson_ErrorNamesFormatAndLine(string json, string format, string where)
    {
        var error = Assert.Throws<ReportFormatException>(() => ReportReader.Open(new MemoryStream(Encoding.UTF8.GetBytes(json))).Results.ToList());

        Assert.Equal(format, error.Format);
        Assert.Contains(where, error.Message);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Theory]
    [InlineData("grype/grype-dd-3.json", "Grype JSON")]
    [InlineData("cyclonedx/cyclonedx-dd-1.json", "CycloneDX JSON")]
    [InlineData("sarif/sarif-dd-1.sarif", "SARIF 2.1.0")]
    public void Open_TruncatedReport_ErrorSaysTruncated(string file, string format)
    {
        var bytes = File.ReadAllBytes(ReportFixtures.PathOf(file));

        var error = Assert.Throws<ReportFormatException>(() =>
            ReportReader.Open(new MemoryStream(bytes, 0, bytes.Length / 2)).Results.ToList());

        Assert.Equal(format, error.Format);
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData("""{"name":"package.json","dependencies":{}}""", "keys name, dependencies")]
    [InlineData("<?xml version=\"1.0\"?><bom/>", "does not start with JSON")]
    [InlineData("[1, 2, 3]", "first element is a number")]
    [InlineData("{}", "empty JSON object")]
    public void Open_UnknownContent_ErrorListsTheFormatsAndWhatItSaw(string text, string saw)
    {
        var error = Assert.Throws<ReportFormatException>(() => ReportReader.Open(new MemoryStream(Encoding.UTF8.GetBytes(text))));

        Assert.Equal("unknown", error.Format);
        Assert.Contains("Trivy JSON, Grype JSON, SARIF 2.1.0, CycloneDX JSON", error.Message);
        Assert.Contains(saw, error.Message);
    }

    [Theory]
    [InlineData("""{"version":"2.0.0","runs":[]}""", "SARIF version 2.0.0 is not supported")]
    [InlineData("""{"bomFormat":"CycloneDX","specVersion":"1.3","components":[]}""", "CycloneDX 1.3 is not supported")]
    [InlineData("""{"SchemaVersion":1,"Results":[]}""", "schema version 1 is not supported")]
    [InlineData("""{"runs":[{"results":[{"ruleId":"a"}]}],"version":"2.1.0"}""", "has results but no tool")]
    [InlineData("""{"matches":{"a":1}}""", "matches should be an array but is an object")]
    public void Open_WrongVersionOrShape_ErrorSaysWhatIsSupported(string json, string message)
    {
        var error = Assert.Throws<ReportFormatException>(() => ReportReader.Open(new MemoryStream(Encoding.UTF8.GetBytes(json))).Results.ToList());

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Open_LargerThanTheLimit_ErrorBeforeReadingItAll()
    {
        // 101 MB: a valid beginning, then whitespace the reader has to wade through; generated, never held in memory.
        var stream = new GeneratedStream("""{"SchemaVersion":2,"Results":["""u8.ToArray(), 101L * 1024 * 1024);

        var error = Assert.Throws<ReportFormatException>(() => ReportReader.Open(stream).Results.ToList());

        Assert.Contains("larger than 100 MB", error.Message);
        Assert.True(stream.Position < 101L * 1024 * 1024);
    }

    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));
    }

    /// <summary>A prefix followed by spaces up to <paramref name="length"/> bytes.</summary>
    private sealed class GeneratedStream(byte[] prefix, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                var at = _position + i;
                buffer[offset + i] = at < prefix.Length ? prefix[at] : (byte)' ';
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
