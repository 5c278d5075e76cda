using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Pipelines;

public sealed record PipelineView(Guid ServiceId, string ServiceName, string Yaml, IReadOnlyList<StageDefinition> Stages, int Revision, bool IsDefault,
    string? UpdatedByName, DateTimeOffset? UpdatedAt);

public sealed class PipelineInput
{
    public string Yaml { get; set; } = "";
}

/// <summary>Each service's pipeline definition: read, validate, save (audited), and resolve the stages for an environment.</summary>
public sealed class PipelineService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, ServiceCatalogService services)
{
    public async Task<PipelineView?> GetAsync(Guid serviceId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var service = await db.Services.AsNoTracking().FirstOrDefaultAsync(s => s.Id == serviceId, ct);
        if (service is null)
        {
            return null;
        }

        var definition = await db.PipelineDefinitions.AsNoTracking().FirstOrDefaultAsync(p => p.ServiceId == serviceId, ct);
        return definition is null
            ? new PipelineView(serviceId, service.Name, PipelineYaml.Default, PipelineYaml.Parse(PipelineYaml.Default).Stages, 0, true, null, null)
            : new PipelineView(serviceId, service.Name, definition.Yaml, StageDefinition.ListFromJson(definition.Stages), definition.Revision, false,
                definition.UpdatedByName, definition.UpdatedAt);
    }

    public static PipelineParseResult Validate(string? yaml) => PipelineYaml.Parse(yaml);

    public async Task<Result<PipelineView>> SaveAsync(Guid serviceId, PipelineInput input, Caller caller, CancellationToken ct = default)
    {
        var service = await services.GetAsync(serviceId, ct);
        if (service is null)
        {
            return Result<PipelineView>.NotFound($"Service {serviceId} does not exist.");
        }

        if (!await services.CanEditAsync(service.TeamId, caller, ct))
        {
            return Result<PipelineView>.Forbidden("Only admins and engineers of the owning team can edit this pipeline.");
        }

        var parsed = PipelineYaml.Parse(input.Yaml);
        if (!parsed.IsValid)
        {
            return Result<PipelineView>.Invalid(new Dictionary<string, string[]>
            {
                [nameof(PipelineInput.Yaml)] = parsed.Errors.Select(e => e.ToString()).ToArray(),
            });
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var definition = await db.PipelineDefinitions.FirstOrDefaultAsync(p => p.ServiceId == serviceId, ct);
        var before = definition?.Yaml ?? PipelineYaml.Default;
        if (definition is null)
        {
            definition = new PipelineDefinition { Id = Guid.CreateVersion7(), ServiceId = serviceId };
            db.PipelineDefinitions.Add(definition);
        }
        else if (definition.Yaml == input.Yaml)
        {
            return Result<PipelineView>.Ok((await GetAsync(serviceId, ct))!);
        }

        definition.Yaml = input.Yaml;
        definition.Stages = System.Text.Json.JsonSerializer.Serialize(parsed.Stages, StageDefinition.Json);
        definition.Revision++;
        definition.UpdatedById = caller.UserId;
        definition.UpdatedByName = caller.UserName;
        audit.Add(db, caller.Actor, AuditActions.PipelineUpdated, ResourceTypes.Pipeline, serviceId.ToString(),
            new
            {
                service = service.Name,
                revision = definition.Revision,
                stages = parsed.Stages.Select(s => $"{s.Name}:{PipelineYaml.KindName(s.Kind)}").ToArray(),
                previousSha256 = Sha256(before),
                sha256 = Sha256(input.Yaml),
            });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return Result<PipelineView>.Invalid(nameof(PipelineInput.Yaml), "Someone else saved this pipeline at the same time; reload and try again.");
        }

        return Result<PipelineView>.Ok((await GetAsync(serviceId, ct))!);
    }

    /// <summary>
    /// The stages a deployment of the service to the environment runs. A protected environment always gets an
    /// approval stage: if the pipeline has none that applies, one is put before the first command stage that
    /// follows the security gate (or first, when there is none), so a pipeline edit cannot bypass protection.
    /// </summary>
    public static (List<StageDefinition> Stages, int Revision) Resolve(PipelineDefinition? definition, DeploymentEnvironment environment)
    {
        var all = definition is null ? PipelineYaml.Parse(PipelineYaml.Default).Stages : StageDefinition.ListFromJson(definition.Stages);
        var stages = all.Where(s => s.AppliesTo(environment)).ToList();
        if ((environment.IsProtected || environment.RequiredApprovals > 0) && stages.All(s => s.Kind != StageKind.Approval))
        {
            var gate = stages.FindLastIndex(s => s.Kind is StageKind.SecurityGate or StageKind.SecurityScan);
            var deploy = stages.FindIndex(gate + 1, s => s.Kind == StageKind.Command);
            var at = deploy >= 0 ? deploy : gate + 1;
            var name = stages.Any(s => s.Name == "approval") ? "approval-required" : "approval";
            stages.Insert(at, new StageDefinition { Name = name, Kind = StageKind.Approval });
        }

        return (stages, definition?.Revision ?? 0);
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
