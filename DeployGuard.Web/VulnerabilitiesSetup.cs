using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Web.Endpoints;
using DeployGuard.Web.Workers.Jobs;

namespace DeployGuard.Web;

/// <summary>The vulnerability feature's web side (issue 11): scans API, report import, and the OpenAPI document.</summary>
internal static class VulnerabilitiesSetup
{
    public const string OpenApiPath = "/openapi/v1.json";

    public static void AddVulnerabilities(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi();
        builder.Services.AddJobWorker<Workers.RiskExpiryWorker>();
        builder.Services.AddClaimStepWorker(VulnerabilitySummaryJobs.Kind, sp => sp.GetRequiredService<VulnerabilitySummaryJobs>());
    }

    public static void MapVulnerabilities(this WebApplication app)
    {
        // The machine-readable API description, for anyone signed in (it describes, it grants nothing).
        app.MapOpenApi().RequireAuthorization(Auth.Policies.Read);
        app.MapScansApi();
        app.MapVulnerabilitiesApi();
    }
}
