using System.Text.Json;
using SourcePlatform = DeployGuard.Data.Entities.SourcePlatform;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Scanning.Contracts;
using DeployGuard.Web.Auth;
using DeployGuard.Web.Scanning;

namespace DeployGuard.Web.Endpoints;

/// <summary>Secret scanning over HTTP: cleaned-repository bundles (and, with the CLI, uploads and feedback).</summary>
internal static class ScanningApi
{
    public static void MapScanningApi(this IEndpointRouteBuilder endpoints)
    {
        var scans = endpoints.MapGroup("/api/scans").RequireAuthorization(Policies.Read);

        // GET /api/scans/{id} is seed 02's (ScansApi): it answers for secret-scan jobs too.
        // A bundle is the repository's whole history, and still holds every secret nobody selected: admins and the
        // service's engineers only (CleanJobService.MayDownloadAsync). Streamed from PostgreSQL, so any instance serves it.
        scans.MapGet("/{id:guid}/cleanings/{cleanId:guid}/bundle", async (Guid id, Guid cleanId, CleanJobService cleaning, HttpContext http,
                CancellationToken ct) =>
            {
                if (await cleaning.BundleSizeAsync(id, cleanId, ct) is not { } size)
                {
                    return ResultHttp.NotFound("Cleaned bundle", cleanId);
                }

                if (!await cleaning.MayDownloadAsync(id, CurrentUser.From(http), ct))
                {
                    return Results.Problem(statusCode: StatusCodes.Status403Forbidden,
                        title: "Only admins and engineers of the scanned service's team can download its cleaned history.");
                }

                await http.RequestServices.GetRequiredService<DeployGuard.Data.Services.Audit.AuditWriter>().WriteAsync(CurrentUser.ActorFrom(http),
                    DeployGuard.Data.Services.Audit.AuditActions.CleanBundleDownloaded, DeployGuard.Data.Services.Audit.ResourceTypes.Scan, id.ToString(), new { cleanJobId = cleanId, size });
                http.Response.ContentLength = size;
                return Results.Stream(body => cleaning.CopyBundleAsync(cleanId, body, ct), "application/octet-stream",
                    $"deployguard-clean-{cleanId:N}.bundle");
            })
            .RequireAuthorization(Policies.Engineer);

        // The CLI's `deployguard upload` (docs/api/scanning.md): a scan report, findings as hashes only.
        scans.MapPost("/upload", async (HttpContext http, ScanJobService jobs, CancellationToken ct) =>
        {
            var report = await ReadAsync<ScanReport>(http, ct);
            if (report.Error is not null)
            {
                return report.Error;
            }

            var errors = ContractValidation.Validate(report.Value!);
            if (errors.Count > 0)
            {
                return Problem(errors);
            }

            var scan = report.Value!;
            var source = scan.Repository?.Url ?? scan.Repository?.Name ?? "uploaded scan";
            var upload = new UploadedScan(PlatformOf(source), source, scan.Repository?.Branch, scan.Repository?.Commit, scan.Service,
                scan.Statistics.CommitsScanned, scan.Statistics.FilesScanned, scan.StartedAt, scan.CompletedAt);
            var result = await jobs.RecordUploadAsync(upload, scan.Findings.Select(ScanJobRunner.ToEntity).ToList(), CurrentUser.From(http), ct);
            return result.Succeeded
                ? Results.Created($"/api/scans/{result.Value!.Id}",
                    new ScanUploadResponse(result.Value.Id, scan.Findings.Count, $"{http.Request.Scheme}://{http.Request.Host}/scans/{result.Value.Id}"))
                : ResultHttp.ToHttp(result);
        }).RequireAuthorization(Policies.Engineer);

        // Learned false-positive patterns for scanners outside the server (`deployguard scan --fp-patterns`).
        endpoints.MapGet("/api/scanning/false-positive-patterns", async (FalsePositiveLearning learning, double? minConfidence, CancellationToken ct) =>
        {
            if (minConfidence is < 0 or > 1)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["minConfidence"] = ["Give a confidence between 0 and 1."] });
            }

            var threshold = minConfidence ?? learning.Threshold;
            var patterns = (await learning.ListAsync(ct)).Where(p => p.Confidence >= threshold)
                .Select(p => new DeployGuard.Scanning.Suppressions.FalsePositivePattern(p.Pattern, p.Confidence, p.Reason, p.SampleCount))
                .ToList(); // a List, the type ScanningJson's source-generated context knows (not a LINQ iterator)
            return Results.Json(patterns, ScanningJson.Options);
        }).RequireAuthorization(Policies.Read);

        // The CLI's `deployguard feedback`: anonymous triage decisions (client id hash, value hashes and shapes).
        endpoints.MapPost("/api/feedback", async (HttpContext http, FindingService findings, CancellationToken ct) =>
        {
            var body = await ReadAsync<FeedbackSubmission>(http, ct);
            if (body.Error is not null)
            {
                return body.Error;
            }

            var errors = ContractValidation.Validate(body.Value!);
            if (errors.Count > 0)
            {
                return Problem(errors);
            }

            var submission = body.Value!;
            var input = new FeedbackInput(submission.ClientId, submission.TotalDetected,
                submission.Items.Select(i => new FeedbackItemInput(i.ValueHash, i.ValuePattern, i.IsTruePositive, i.RuleId)).ToList());
            var result = await findings.RecordFeedbackAsync(input, CurrentUser.ActorFrom(http), ct);
            return result.Succeeded
                ? Results.Accepted(value: new FeedbackResponse(result.Value, submission.Items.Count))
                : ResultHttp.ToHttp(result);
        }).AllowAnonymous().RequireRateLimiting(FeedbackRateLimit);
    }

    public const string FeedbackRateLimit = "feedback";

    private static SourcePlatform PlatformOf(string source) => source switch
    {
        _ when source.Contains("github", StringComparison.OrdinalIgnoreCase) => SourcePlatform.GitHub,
        _ when source.Contains("gitlab", StringComparison.OrdinalIgnoreCase) => SourcePlatform.GitLab,
        _ when source.Contains("bitbucket", StringComparison.OrdinalIgnoreCase) => SourcePlatform.Bitbucket,
        _ => SourcePlatform.Local,
    };

    private static IResult Problem(IReadOnlyList<string> errors) =>
        Results.ValidationProblem(errors.GroupBy(e => e.Split(':', 2)[0]).ToDictionary(g => g.Key, g => g.ToArray()),
            title: "The document does not follow docs/api/scanning.md.");

    /// <summary>Reads a body with the scanning wire format (snake_case enums), answering 400 for unreadable JSON.</summary>
    private static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext http, CancellationToken ct) where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(http.Request.Body, ScanningJson.Options, ct);
            return value is null ? (null, Results.Problem(statusCode: 400, title: "The request body is empty.")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Results.Problem(statusCode: 400, title: "The request body is not valid JSON for this endpoint.", detail: ex.Message));
        }
    }
}
