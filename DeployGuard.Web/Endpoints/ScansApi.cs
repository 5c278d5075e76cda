using System.Text.Json;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Scanning.Reports;
using DeployGuard.Web.Auth;
using Microsoft.AspNetCore.Http.Features;

namespace DeployGuard.Web.Endpoints;

/// <summary>
/// seed 02's REST API for scans, under /api/scans with the product's auth (cookie or API token): trigger, read, list,
/// vulnerabilities, delete; and report import, the main way findings arrive (docs/api/vulnerabilities.md).
/// </summary>
internal static class ScansApi
{
    public static void MapScansApi(this IEndpointRouteBuilder endpoints)
    {
        var scans = endpoints.MapGroup("/api/scans").RequireAuthorization(Policies.Read).WithTags("Scans");

        scans.MapPost("/trigger", async (ScanTriggerBody body, ScanService service, HttpContext http, CancellationToken ct) =>
            {
                var result = await service.TriggerAsync(new TriggerRequest(body.ScanType, body.Target, body.Options, body.ServiceId, body.Commit),
                    CurrentUser.From(http), ct);
                return result.Succeeded
                    ? Results.Accepted($"/api/scans/{result.Value!.ScanId}",
                        new ScanTriggerResponse(result.Value.ScanId, ScanKinds.Name(result.Value.Status), result.Value.Message))
                    : result.Status == ResultStatus.Invalid
                        ? Results.Problem(statusCode: 422, title: result.Message, extensions: Errors(result.Errors))
                        : ResultHttp.ToHttp(result);
            })
            .RequireAuthorization(Policies.Engineer)
            .WithSummary("Start a scan (seed 02). git_repo runs the built-in secret scanner plus the dependency scanner configured for git_repo " +
                         "(Scanning:Scanners:git_repo) over a checkout, isolated, its findings counted in the same scan (message says when none is configured); " +
                         "other types run the scanner command configured for them, isolated.")
            .Produces<ScanTriggerResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        scans.MapPost("/import", ImportAsync)
            .RequireAuthorization(Policies.Engineer)
            // A service's CI token imports for that service only (ImportAsync attaches it; naming another one is 403).
            .AllowServiceTokens()
            // CI posts multipart with an API token; a browser session still needs its antiforgery token (CookieAntiforgery).
            .DisableAntiforgery()
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Import a scanner report (multipart field 'file'; optional service, commit, scan_type, target, format).")
            .Produces<ImportResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        scans.MapGet("/", async (ScanService service, string? status, string? scan_type, int? limit, int? skip, Guid? service_id, CancellationToken ct) =>
            {
                var errors = new Dictionary<string, string[]>();
                ScanState? state = null;
                ScanKind? kind = null;
                if (status is not null)
                {
                    if (ScanKinds.TryParse(status, out ScanState parsed))
                    {
                        state = parsed;
                    }
                    else
                    {
                        errors["status"] = ["status is one of pending, running, completed, failed."];
                    }
                }

                if (scan_type is not null)
                {
                    if (ScanKinds.TryParse(scan_type, out ScanKind parsed))
                    {
                        kind = parsed;
                    }
                    else
                    {
                        errors["scan_type"] = ["scan_type is one of git_repo, container, vm, sbom, k8s."];
                    }
                }

                if (errors.Count > 0)
                {
                    return Results.ValidationProblem(errors);
                }

                var page = await service.ListAsync(new ScanQuery { Status = state, ScanType = kind, Limit = limit ?? 50, Skip = skip ?? 0, ServiceId = service_id }, ct);
                return Results.Ok(page.Items.Select(ScanResponse.From));
            })
            .ValidatesPaging("limit", ScanService.MaxLimit)
            .WithSummary("List scans, newest first (seed 02: ?status=&scan_type=&limit=).")
            .Produces<IEnumerable<ScanResponse>>();

        scans.MapGet("/{id:guid}", async (Guid id, ScanService service, CancellationToken ct) =>
                await service.GetAsync(id, ct) is { } scan ? Results.Ok(ScanResponse.From(scan)) : ResultHttp.NotFound("Scan", id))
            .WithSummary("A scan with its vulnerability counts by severity (seed 02).")
            .Produces<ScanResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        scans.MapGet("/{id:guid}/vulnerabilities", async (Guid id, ScanService service, int? skip, int? take, CancellationToken ct) =>
            {
                if (await service.VulnerabilitiesAsync(id, skip ?? 0, take ?? 1000, ct) is not { } vulnerabilities)
                {
                    return ResultHttp.NotFound("Scan", id);
                }

                var secrets = await service.SecretsAsync(id, ct);
                return Results.Ok(vulnerabilities.Select(v => new VulnerabilityResponse(v.Id, v.FindingId, v.Kind, v.CveId, v.PackageName, v.PackageVersion,
                        v.Severity, v.CvssScore, v.EpssScore, v.EpssPredicted, v.CveDetails is null ? null : JsonDocument.Parse(v.CveDetails).RootElement,
                        v.Change, ScanKinds.Name(v.Status), v.FixedVersions, v.CreatedAt))
                    .Concat(secrets.Select(s => new VulnerabilityResponse(s.FindingId, s.FindingId, "secret", s.RuleId, null, null, s.Severity.ToUpperInvariant(),
                        null, null, false, null, "seen", s.Status.ToString(), null, default, s.RedactedPreview, s.FilePath, s.Line))));
            })
            .ValidatesPaging(maxTake: ScanService.MaxVulnerabilities)
            .WithSummary("The scan's vulnerabilities (seed 02), most severe first; secrets it found follow, as redacted previews.")
            .Produces<IEnumerable<VulnerabilityResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        scans.MapDelete("/{id:guid}", async (Guid id, ScanService service, HttpContext http, CancellationToken ct) =>
                ResultHttp.ToHttp(await service.DeleteAsync(id, CurrentUser.From(http), ct)))
            .RequireAuthorization(Policies.Engineer)
            .WithSummary("Delete a scan with its vulnerabilities and analyses (seed 02).")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ImportAsync(HttpContext http, ReportImportService importer, CancellationToken ct)
    {
        var limit = importer.MaxReportBytes;
        // Room for the multipart envelope and the other fields around a report at the limit.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit + 1024 * 1024;
        }

        if (!http.Request.HasFormContentType)
        {
            return Results.Problem(statusCode: 415, title: "Send the report as multipart/form-data with the file in the field 'file'.");
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }
        catch (InvalidDataException e)
        {
            return Results.Problem(statusCode: 400, title: "The multipart body could not be read.", detail: e.Message);
        }

        if (form.Files.GetFile("file") is not { } file)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["Attach the report in the multipart field 'file'."] });
        }

        if (file.Length > limit)
        {
            return TooLarge(limit);
        }

        var format = ReportFormat.Unknown;
        if (form["format"].ToString() is { Length: > 0 } formatName && !ReportFormats.TryParse(formatName, out format))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["format"] = ["format is one of trivy, grype, sarif, cyclonedx, gitleaks, trufflehog (or leave it out to detect it)."],
            });
        }

        var caller = CurrentUser.From(http);
        var serviceName = Field(form, "service");
        await using var stream = file.OpenReadStream();
        var result = await importer.ImportAsync(new ImportRequest
        {
            Report = stream,
            Format = format,
            FileName = Path.GetFileName(file.FileName),
            ServiceName = serviceName,
            // A CI token's report belongs to its service even when the pipeline does not name it.
            ServiceId = serviceName is null ? caller.ServiceScope : null,
            CommitSha = Field(form, "commit"),
            ScanType = Field(form, "scan_type"),
            Target = Field(form, "target"),
        }, caller, ct);
        if (result.Succeeded)
        {
            var url = $"{http.Request.Scheme}://{http.Request.Host}/scans/reports/{result.Value!.ScanId}";
            return Results.Created($"/api/scans/{result.Value.ScanId}", ImportResponse.From(result.Value, url));
        }

        if (result.Status == ResultStatus.Invalid && result.Errors.ContainsKey("file"))
        {
            return Results.Problem(statusCode: 422, title: "The report could not be imported; nothing was stored.", detail: result.Errors["file"][0],
                extensions: Errors(result.Errors));
        }

        return ResultHttp.ToHttp(result);
    }

    private static string? Field(IFormCollection form, string name) => form[name].ToString() is { Length: > 0 } value ? value : null;

    private static IResult TooLarge(long limit) =>
        Results.Problem(statusCode: 413, title: $"The report is larger than {limit / (1024 * 1024)} MB; nothing was stored.",
            detail: "Split it (for example one report per image) or raise Scanning:MaxReportBytes.");

    private static Dictionary<string, object?> Errors(IReadOnlyDictionary<string, string[]> errors) =>
        new() { ["errors"] = errors.ToDictionary(e => e.Key, e => e.Value) };
}
