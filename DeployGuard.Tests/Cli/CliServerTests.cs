using System.Text.Json;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Contracts;
using DeployGuard.Tests.Scanning.Reports;
using DeployGuard.Tests.Scanning.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DeployGuard.Tests.Cli;

/// <summary>
/// The CLI's upload and feedback commands against a real HTTP server on 127.0.0.1 that implements the
/// contract of docs/api/scanning.md (status codes, bearer token, validation), as the web app must.
/// </summary>
public sealed class CliServerTests : IAsyncLifetime
{
    private const string GoodToken = "dg_test_token";

    private readonly List<Received> _received = [];
    private readonly FakeSecrets _fake = new(41);
    private WebApplication? _app;
    private string _url = "";

    private sealed record Received(string Path, string? Authorization, string Body);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/api/scans/upload", async (HttpContext context) =>
        {
            var body = await Record(context);
            if (context.Request.Headers.Authorization != $"Bearer {GoodToken}")
            {
                return Results.Problem(statusCode: 401, title: "Invalid or missing API token");
            }

            var report = JsonSerializer.Deserialize<ScanReport>(body, ScanningJson.Options)!;
            var errors = ContractValidation.Validate(report);
            return errors.Count > 0
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["report"] = [.. errors] })
                : Results.Json(new ScanUploadResponse(Guid.NewGuid(), report.Findings.Count, $"{_url}/scans/1"), ScanningJson.Options, statusCode: 201);
        });
        _app.MapPost("/api/feedback", async (HttpContext context) =>
        {
            var body = await Record(context);
            var submission = JsonSerializer.Deserialize<FeedbackSubmission>(body, ScanningJson.Options)!;
            var errors = ContractValidation.Validate(submission);
            return errors.Count > 0
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["feedback"] = [.. errors] })
                : Results.Json(new FeedbackResponse(Guid.NewGuid(), submission.Items.Count), ScanningJson.Options, statusCode: 202);
        });
        await _app.StartAsync();
        _url = _app.Urls.Single();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Upload_ScanWithToken_PostsReportAndPrintsScanId()
    {
        using var folder = new TempFolder();
        var token = "gh" + "p_" + _fake.Alnum(36);
        folder.Write("app.env", $"GITHUB_TOKEN={token}\n");

        var (exit, output, error) = await CliScanTests.RunAsync("upload", "--server", _url, "--token", GoodToken, "--service", "payments-api", folder.Path);

        Assert.True(exit == 0, error);
        Assert.Matches("Uploaded scan [0-9a-f-]{36}: 1 finding", output);
        var request = Assert.Single(_received);
        Assert.Equal("/api/scans/upload", request.Path);
        Assert.Equal($"Bearer {GoodToken}", request.Authorization);
        Assert.DoesNotContain(token, request.Body);
        var report = JsonSerializer.Deserialize<ScanReport>(request.Body, ScanningJson.Options)!;
        Assert.Equal("payments-api", report.Service);
        Assert.Equal(SecretHasher.Hash(token), report.Findings.Single().SecretHash);
    }

    [Fact]
    public async Task Upload_InputFile_UploadsThatReport()
    {
        using var folder = new TempFolder();
        folder.Write("src/a.py", $"password = \"{_fake.Password(14)}\"\n");
        var file = Path.Combine(folder.Path, "report.json");
        await CliScanTests.RunAsync("scan", Path.Combine(folder.Path, "src"), "--format", "json", "--output", file);

        var (exit, _, error) = await CliScanTests.RunAsync("upload", "--server", _url + "/", "--token", GoodToken, "--input", file);

        Assert.True(exit == 0, error);
        var sent = JsonSerializer.Deserialize<ScanReport>(Assert.Single(_received).Body, ScanningJson.Options)!;
        Assert.Equal("generic-password", sent.Findings.Single().RuleId);
    }

    [Fact]
    public async Task Upload_WrongToken_ExitsTwoWithServerMessage()
    {
        using var folder = new TempFolder();

        var (exit, _, error) = await CliScanTests.RunAsync("upload", "--server", _url, "--token", "wrong", folder.Path);

        Assert.Equal(2, exit);
        Assert.Contains("401", error);
        Assert.Contains("Invalid or missing API token", error);
        Assert.DoesNotContain("wrong", error);
    }

    [Fact]
    public async Task Upload_BadServerUrl_ExitsTwo()
    {
        var (exit, _, error) = await CliScanTests.RunAsync("upload", "--server", "ftp://x", "--token", GoodToken, ".");

        Assert.Equal(2, exit);
        Assert.Contains("not an http(s) URL", error);
        Assert.Empty(_received);
    }

    [Fact]
    public async Task Feedback_Decisions_PostsAnonymousSubmissionWithPatternsOnly()
    {
        using var folder = new TempFolder();
        var falsePositive = "gh" + "p_" + _fake.Alnum(36);
        var confirmed = "np" + "m_" + _fake.Alnum(36);
        folder.Write("src/a.env", $"A={falsePositive}\nB={confirmed}\n");
        var file = Path.Combine(folder.Path, "report.json");
        await CliScanTests.RunAsync("scan", Path.Combine(folder.Path, "src"), "--format", "json", "--output", file);

        var (exit, output, error) = await CliScanTests.RunAsync("feedback", "--server", _url, "--input", file,
            "--false-positive", SecretHasher.Hash(falsePositive), "--true-positive", SecretHasher.Hash(confirmed),
            "--reason", "test fixture", "--client-id", "machine-1");

        Assert.True(exit == 0, error);
        Assert.Contains("1 false positive, 1 confirmed", output);
        var request = Assert.Single(_received);
        Assert.Equal("/api/feedback", request.Path);
        Assert.Null(request.Authorization);
        Assert.DoesNotContain(falsePositive, request.Body);
        Assert.DoesNotContain("machine-1", request.Body);
        var submission = JsonSerializer.Deserialize<FeedbackSubmission>(request.Body, ScanningJson.Options)!;
        Assert.True(SecretHasher.IsValidHash(submission.ClientId));
        Assert.Equal((2, 1, 1), (submission.TotalDetected, submission.ConfirmedSecrets, submission.FalsePositives));
        var item = submission.Items.Single(i => !i.IsTruePositive);
        Assert.Equal(("ghp_[alnum:36]", "github-pat", "test fixture"), (item.ValuePattern, item.RuleId, item.Reason));
    }

    [Fact]
    public async Task Feedback_SameClientId_SameAnonymousHash()
    {
        using var folder = new TempFolder();
        var token = "gh" + "p_" + _fake.Alnum(36);
        folder.Write("src/a.env", $"A={token}\n");
        var file = Path.Combine(folder.Path, "report.json");
        await CliScanTests.RunAsync("scan", Path.Combine(folder.Path, "src"), "--format", "json", "--output", file);

        var first = await CliScanTests.RunAsync("feedback", "--input", file, "--false-positive", SecretHasher.Hash(token), "--client-id", "c1", "--dry-run");
        var second = await CliScanTests.RunAsync("feedback", "--input", file, "--false-positive", SecretHasher.Hash(token), "--client-id", "c1", "--dry-run");

        Assert.Equal(0, first.Exit);
        Assert.Equal(first.Out, second.Out);
        Assert.Empty(_received);
    }

    [Fact]
    public async Task Feedback_UnknownHash_ExitsTwo()
    {
        using var folder = new TempFolder();
        var file = folder.Write("report.json", JsonSerializer.Serialize(SarifWriterTests.Report([]), ScanningJson.Options));

        var (exit, _, error) = await CliScanTests.RunAsync("feedback", "--server", _url, "--input", file, "--false-positive", SecretHasher.Hash("x"));

        Assert.Equal(2, exit);
        Assert.Contains("No finding in the report", error);
        Assert.Empty(_received);
    }

    private async Task<string> Record(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        lock (_received)
        {
            _received.Add(new Received(context.Request.Path, context.Request.Headers.Authorization.FirstOrDefault(), body));
        }

        return body;
    }
}
