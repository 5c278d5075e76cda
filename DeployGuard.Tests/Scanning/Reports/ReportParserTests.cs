using System.Runtime.CompilerServices;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Contracts;
using DeployGuard.Scanning.Reports;

namespace DeployGuard.Tests.Scanning.Reports;

public sealed class ReportParserTests
{
    private static string Fixture(string name, [CallerFilePath] string source = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(source)!, "..", "Fixtures", name));

    [Theory]
    [InlineData("gitleaks-dd-1.json", ReportFormat.GitleaksJson)]
    [InlineData("gitleaks-dd-2.json", ReportFormat.GitleaksJson)]
    [InlineData("trufflehog-dd-1.jsonl", ReportFormat.TrufflehogJsonLines)]
    [InlineData("sarif-dd-3.sarif", ReportFormat.Sarif)]
    [InlineData("sarif-trivyrepo-1.sarif", ReportFormat.Sarif)]
    public void Detect_Fixture_RecognisesFormat(string file, ReportFormat expected)
    {
        Assert.Equal(expected, ReportParsers.Detect(Fixture(file)));
    }

    [Fact]
    public void ParseGitleaks_V8_FindingsHashedWithPositionsAndCommit()
    {
        var json = Fixture("gitleaks-dd-1.json");

        var findings = ReportParsers.ParseGitleaks(json);

        Assert.Equal(4, findings.Count);
        var aws = findings[0];
        Assert.Equal(("aws-access-token", "conf/aws.tf", 2, 24038), (aws.RuleId, aws.FilePath, aws.Line, aws.Column));
        Assert.Equal(SecretHasher.Hash("secretAWSsecret"), aws.SecretHash);
        Assert.Equal("Firstname Lastname", aws.Commit!.AuthorName);
        Assert.Equal(new DateTimeOffset(2021, 10, 14, 17, 5, 15, TimeSpan.Zero), aws.Commit.Date);
        Assert.Null(findings[2].Commit);
        Assert.Equal(SecretType.PrivateKey, findings[2].SecretType);
    }

    [Fact]
    public void ParseGitleaks_GitModeAndEmpty_Parsed()
    {
        Assert.Equal(3, ReportParsers.ParseGitleaks(Fixture("gitleaks-secobserve-1.json")).Count);
        Assert.Empty(ReportParsers.ParseGitleaks(Fixture("gitleaks-secobserve-2.json")));
    }

    [Fact]
    public void ParseGitleaks_V7_OffenderHashedAndColumnFromLine()
    {
        var findings = ReportParsers.ParseGitleaks(Fixture("gitleaks-dd-2.json"));

        Assert.Equal(8, findings.Count);
        var first = findings[0];
        Assert.Equal(("aws-access-key", 13, 35), (first.RuleId, first.Line, first.Column));
        Assert.Equal("6d127980966808f7413935678e079dcd7fedf9c2", first.Commit!.Sha);
        Assert.Equal("feat: added GitLab secret detection report parser (#4605)", first.Commit.Subject);
    }

    [Fact]
    public void ParseTrufflehog_GitSource_DecodesRawThenHashesIt()
    {
        var findings = ReportParsers.ParseTrufflehog(Fixture("trufflehog-dd-1.jsonl"));

        Assert.Equal(4, findings.Count);
        var aws = findings[0];
        Assert.Equal(("trufflehog-aws", "keys", 4, Severity.Critical), (aws.RuleId, aws.FilePath, aws.Line, aws.Severity));
        Assert.Equal(SecretHasher.Hash("AK" + "IAYVP4CIPPERUVIFXG"), aws.SecretHash);
        Assert.Equal(("counter", "counter@counters-MacBook-Air.local"), (aws.Commit!.AuthorName, aws.Commit.AuthorEmail));
        Assert.Equal(new DateTimeOffset(2022, 6, 16, 10, 17, 40, TimeSpan.FromHours(-7)), aws.Commit.Date);
        Assert.Equal(SecretType.PrivateKey, findings[2].SecretType);
    }

    [Fact]
    public void ParseSarif_SecretAndNonSecretTools_AllResults()
    {
        var gitleaks = ReportParsers.ParseSarif(Fixture("sarif-dd-3.sarif"));
        var trivy = ReportParsers.ParseSarif(Fixture("sarif-trivyrepo-1.sarif"));
        var checkov = ReportParsers.ParseSarif(Fixture("sarif-secobserve-1.sarif"));

        Assert.Equal(8, gitleaks.Count);
        Assert.Equal(("Gitleaks", 13), (gitleaks[0].Tool, gitleaks[0].Line));
        Assert.Equal(4, trivy.Count);
        Assert.All(trivy, r => Assert.Equal("Trivy", r.Tool));
        Assert.Equal(("CKV_DOCKER_2", "error", "frontend/docker/Dockerfile"), (checkov[0].RuleId, checkov[0].Level, checkov[0].FilePath));
        Assert.Empty(ReportParsers.ParseSarif(Fixture("sarif-dd-4.sarif")));
    }

    [Fact]
    public void ParseSarif_OurOwnOutput_RoundTrips()
    {
        var findings = new SecretScanner().ScanText("t = " + "gh" + "p_" + new Support.FakeSecrets(3).Alnum(36), "src/a b.py");
        var report = SarifWriterTests.Report(findings);

        var result = Assert.Single(ReportParsers.ParseSarif(SarifWriter.Write(report)));

        Assert.Equal(("DeployGuard", "github-pat", "error", "src/a b.py", 1, 5, 9.5), (result.Tool, result.RuleId, result.Level, result.FilePath, result.Line, result.Column, result.SecuritySeverity));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"version\":\"2.0.0\",\"runs\":[]}")]
    public void ParseSarif_Invalid_FormatException(string text)
    {
        Assert.Throws<FormatException>(() => ReportParsers.ParseSarif(text));
    }

    [Fact]
    public void ParseGitleaks_NotAnArray_FormatException()
    {
        Assert.Throws<FormatException>(() => ReportParsers.ParseGitleaks("{}"));
    }
}
