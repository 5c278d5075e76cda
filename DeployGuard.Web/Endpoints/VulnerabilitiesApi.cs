using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Scanning.Reports;
using DeployGuard.Web.Auth;
using Microsoft.AspNetCore.Http.Features;

namespace DeployGuard.Web.Endpoints;

public sealed record StatusChangeBody(IReadOnlyList<Guid> FindingIds, string Status, string? Reason);

public sealed record AcceptRiskBody(IReadOnlyList<Guid>? FindingIds, IReadOnlyList<Guid>? SecretFindingIds, string? Reason, DateTimeOffset ExpiresAt);

public sealed record ReasonBody(string? Reason);

public sealed record PolicyBody(IReadOnlyList<PolicyCondition> Conditions, string? Note);

/// <summary>The answer of <c>GET /api/gate</c>: what the gate would decide now, and the CLI's exit code for it.</summary>
public sealed record GateResponse(string Decision, int ExitCode, string Reasoning, int PolicyVersion, string Environment, string Service,
    GateEvaluation Evaluation);

/// <summary>Findings search, statuses and risk acceptance, CVE pages, policies, the gate, EPSS import (docs/api/vulnerabilities.md).</summary>
internal static class VulnerabilitiesApi
{
    public static void MapVulnerabilitiesApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(Policies.Read).WithTags("Vulnerabilities");

        api.MapGet("/vulnerabilities", async (HttpContext http, VulnerabilitySearch search, CancellationToken ct) =>
            {
                var (query, errors) = Query(http.Request.Query);
                if (errors.Count > 0)
                {
                    return Results.ValidationProblem(errors);
                }

                return http.Request.Query["group_by"].ToString() switch
                {
                    "cve" => Results.Ok(await search.GroupAsync(query, VulnerabilityGrouping.Cve, ct)),
                    "package" => Results.Ok(await search.GroupAsync(query, VulnerabilityGrouping.Package, ct)),
                    "" => Results.Ok(await search.ListAsync(query, ct)),
                    _ => Results.ValidationProblem(new Dictionary<string, string[]> { ["group_by"] = ["group_by is cve or package."] }),
                };
            })
            .ValidatesPaging()
            .WithSummary("Search findings: severity, min_cvss, min_epss, package, cve, service_id, environment_id, status, kind, q, group_by, skip, take.")
            .Produces<Paged<VulnerabilityRow>>();

        api.MapGet("/vulnerabilities/{id:guid}", async (Guid id, VulnerabilitySearch search, RiskService risks, CancellationToken ct) =>
                await search.GetAsync(id, ct) is { } finding
                    ? Results.Ok(new { finding, acceptances = await risks.ForFindingAsync(id, ct) })
                    : ResultHttp.NotFound("Finding", id))
            .WithSummary("One finding with its risk acceptances.");

        api.MapPost("/vulnerabilities/status", async (StatusChangeBody body, RiskService risks, HttpContext http, CancellationToken ct) =>
                body.Status switch
                {
                    "false_positive" => ResultHttp.ToHttp(await risks.MarkFalsePositiveAsync(body.FindingIds, body.Reason, CurrentUser.From(http), ct)),
                    "open" => ResultHttp.ToHttp(await risks.ReopenAsync(body.FindingIds, body.Reason, CurrentUser.From(http), ct)),
                    _ => Results.ValidationProblem(new Dictionary<string, string[]>
                    {
                        ["status"] = ["status is false_positive or open; accepted risk goes through /api/vulnerabilities/accept, fixed is what a scan decides."],
                    }),
                })
            .WithSummary("Mark findings false positive (with a reason) or open again.");

        api.MapPost("/vulnerabilities/accept", async (AcceptRiskBody body, RiskService risks, HttpContext http, CancellationToken ct) =>
                ResultHttp.ToHttp(await risks.AcceptAsync(new FindingRefs(body.FindingIds ?? [], body.SecretFindingIds ?? []), body.Reason, body.ExpiresAt,
                    CurrentUser.From(http), ct)))
            .RequireAuthorization(Policies.Approve)
            .WithSummary("Accept the risk of findings until an expiry, with a reason; the approver is the caller.");

        api.MapPost("/risk-acceptances/{id:guid}/revoke", async (Guid id, ReasonBody body, RiskService risks, HttpContext http, CancellationToken ct) =>
                ResultHttp.ToHttp(await risks.RevokeAsync(id, body.Reason, CurrentUser.From(http), ct)))
            .RequireAuthorization(Policies.Approve)
            .WithSummary("End a risk acceptance early: the finding is open again.");

        api.MapGet("/cves/{id}", async (string id, VulnerabilitySearch search, CancellationToken ct) =>
                id.Length > 200 ? Results.NotFound() : await search.CveAsync(id, ct) is { } page ? Results.Ok(page) : ResultHttp.NotFound("Vulnerability", id))
            .WithSummary("A CVE (or advisory, or rule): what is known, EPSS, every service and environment carrying it.");

        api.MapGet("/environments/{id:guid}/security-policy", async (Guid id, SecurityPolicyService policies, CancellationToken ct) =>
                await policies.CurrentAsync(id, ct) is { } policy ? Results.Ok(policy) : ResultHttp.NotFound("Environment", id))
            .WithSummary("The environment's security policy in force (version 0: its preset).");

        api.MapGet("/environments/{id:guid}/security-policy/history", async (Guid id, SecurityPolicyService policies, CancellationToken ct) =>
                await policies.HistoryAsync(id, ct) is { } history ? Results.Ok(history) : ResultHttp.NotFound("Environment", id))
            .WithSummary("Every saved version of the environment's security policy, newest first.");

        api.MapPut("/environments/{id:guid}/security-policy", async (Guid id, PolicyBody body, SecurityPolicyService policies, HttpContext http,
                    CancellationToken ct) =>
                // JSON may leave out the list or hold nulls whatever the record says: a clear 400, not a NullReferenceException.
                body.Conditions is null || body.Conditions.Any(c => c is null)
                    ? Results.ValidationProblem(new Dictionary<string, string[]> { ["conditions"] = ["Give the ordered list of conditions."] })
                    : ResultHttp.ToHttp(await policies.SaveAsync(id, new SecurityPolicyDocument { Conditions = [.. body.Conditions] }, body.Note,
                        CurrentUser.From(http), ct)))
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Save a new version of the environment's security policy (ordered conditions, see docs/api/vulnerabilities.md).");

        api.MapGet("/gate", async (string? service, string? environment, string? commit, SecurityGateService gate, HttpContext http,
                CancellationToken ct) =>
            {
                var result = await gate.EvaluateByNameAsync(service, environment, commit, CurrentUser.From(http), ct);
                if (!result.Succeeded)
                {
                    return ResultHttp.ToHttp(result);
                }

                var verdict = result.Value!.Verdict;
                return Results.Ok(new GateResponse(verdict.Decision.ToString().ToLowerInvariant(), ExitCode(verdict.Decision), verdict.Reasoning,
                    verdict.Evaluation.PolicyVersion, result.Value.EnvironmentName, result.Value.ServiceName, verdict.Evaluation));
            })
            // A CI pipeline asks with its service's CI token; EvaluateByNameAsync refuses any other service.
            .AllowServiceTokens()
            .WithSummary("What the security gate would decide for a service's commit going to an environment (deployguard gate): exit code 0 approve, 1 block, 2 warn.")
            .Produces<GateResponse>();

        api.MapPost("/deployments/{id:guid}/gate/override", async (Guid id, ReasonBody body, SecurityGateService gate, HttpContext http,
                    CancellationToken ct) =>
                ResultHttp.ToHttp(await gate.OverrideAsync(id, body.Reason, CurrentUser.From(http), ct)))
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Let the release of a blocked deployment through its environment's gate, with a reason (audited); deploy it again to use it.");

        api.MapGet("/security/dashboard", async (VulnerabilityDashboard dashboard, CancellationToken ct) => Results.Ok(await dashboard.LoadAsync(ct)))
            .WithSummary("seed 02 and seed 03's security queries: scans by status, vulnerabilities by severity, recent scans, CVEs by frequency, EPSS averages, pass rate, agent costs.");

        api.MapGet("/epss", async (EpssImportService epss, CancellationToken ct) =>
            {
                var (rows, model, date) = await epss.StatusAsync(ct);
                return Results.Ok(new { rows, modelVersion = model, scoreDate = date });
            })
            .WithSummary("How many CVEs have EPSS scores, and of which day.");

        api.MapPost("/epss/import", async (HttpContext http, EpssImportService epss, CancellationToken ct) =>
            {
                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                {
                    size.MaxRequestBodySize = 200L * 1024 * 1024;
                }

                if (!http.Request.HasFormContentType || (await http.Request.ReadFormAsync(ct)).Files.GetFile("file") is not { } file)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["Attach FIRST's epss_scores-YYYY-MM-DD.csv.gz in the field 'file'."] });
                }

                await using var stream = file.OpenReadStream();
                var result = await epss.ImportAsync(stream, CurrentUser.From(http), ct);
                return result.Status == ResultStatus.Invalid
                    ? Results.Problem(statusCode: 422, title: "The EPSS file could not be imported; nothing changed.", detail: result.Message)
                    : ResultHttp.ToHttp(result);
            })
            .RequireAuthorization(Policies.Admin)
            .DisableAntiforgery()
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Replace the EPSS scores with FIRST's daily file (gzip or CSV) and re-score the findings.");
    }

    public static int ExitCode(GateDecision decision) => decision switch { GateDecision.Approve => 0, GateDecision.Reject => 1, _ => 2 };

    private static (VulnerabilityQuery Query, Dictionary<string, string[]> Errors) Query(IQueryCollection q)
    {
        var errors = new Dictionary<string, string[]>();
        double? Number(string name, double max)
        {
            var text = q[name].ToString();
            if (text.Length == 0)
            {
                return null;
            }

            if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= max)
            {
                return value;
            }

            errors[name] = [$"{name} is a number from 0 to {max}."];
            return null;
        }

        Guid? Id(string name)
        {
            var text = q[name].ToString();
            if (text.Length == 0)
            {
                return null;
            }

            if (Guid.TryParse(text, out var id))
            {
                return id;
            }

            errors[name] = [$"{name} is an id."];
            return null;
        }

        var severity = q["severity"].ToString() is { Length: > 0 } s ? Severities.Parse(s) : null;
        if (q["severity"].ToString().Length > 0 && severity is null)
        {
            errors["severity"] = ["severity is info, low, medium, high or critical (the lowest shown)."];
        }

        VulnerabilityStatus? status = null;
        if (q["status"].ToString() is { Length: > 0 } statusText)
        {
            if (ScanKinds.TryParse(statusText, out VulnerabilityStatus parsed))
            {
                status = parsed;
            }
            else
            {
                errors["status"] = ["status is open, fixed, false_positive or accepted_risk."];
            }
        }

        FindingKind? kind = q["kind"].ToString() switch
        {
            "" => null,
            "vulnerability" => FindingKind.Vulnerability,
            "misconfiguration" => FindingKind.Misconfiguration,
            "code_issue" => FindingKind.CodeIssue,
            _ => null,
        };
        if (q["kind"].ToString().Length > 0 && kind is null)
        {
            errors["kind"] = ["kind is vulnerability, misconfiguration or code_issue."];
        }

        var query = new VulnerabilityQuery
        {
            MinSeverity = severity,
            MinCvss = Number("min_cvss", 10),
            MinEpss = Number("min_epss", 1),
            Package = q["package"].ToString() is { Length: > 0 } p ? p : null,
            Cve = q["cve"].ToString() is { Length: > 0 } c ? c : null,
            ServiceId = Id("service_id"),
            EnvironmentId = Id("environment_id"),
            Status = status,
            Kind = kind,
            Search = q["q"].ToString() is { Length: > 0 } search ? search : null,
            Skip = int.TryParse(q["skip"], out var skip) ? skip : 0,
            Take = int.TryParse(q["take"], out var take) ? take : 50,
            SortBy = q["sort"].ToString() is { Length: > 0 } sort ? sort : null,
            Descending = q["dir"].ToString() == "desc",
        };
        return (query, errors);
    }
}
