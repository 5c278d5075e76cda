using System.Text.Json;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>An environment's policy as in force: version 0 is the environment's preset, before anyone wrote one.</summary>
public sealed record PolicyRow(Guid EnvironmentId, string EnvironmentName, SecurityPolicy Preset, Guid? VersionId, int Version, SecurityPolicyDocument Policy,
    string? Note, string? CreatedByName, DateTimeOffset? CreatedAt);

/// <summary>
/// Per-environment security policies, versioned: saving adds a version (never edits one), so every gate decision can
/// name the exact rules it applied. Admins edit them, as they edit environments.
/// </summary>
public sealed class SecurityPolicyService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock)
{
    public async Task<PolicyRow?> CurrentAsync(Guid environmentId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await CurrentAsync(db, environmentId, ct);
    }

    internal static async Task<PolicyRow?> CurrentAsync(ApplicationDbContext db, Guid environmentId, CancellationToken ct)
    {
        var environment = await db.Environments.AsNoTracking().Where(e => e.Id == environmentId)
            .Select(e => new { e.Id, e.Name, e.SecurityPolicy }).FirstOrDefaultAsync(ct);
        if (environment is null)
        {
            return null;
        }

        var latest = await db.SecurityPolicyVersions.AsNoTracking().Where(p => p.EnvironmentId == environmentId)
            .OrderByDescending(p => p.Version).FirstOrDefaultAsync(ct);
        return latest is null
            ? new PolicyRow(environment.Id, environment.Name, environment.SecurityPolicy, null, 0, SecurityPolicyDocument.Preset(environment.SecurityPolicy),
                $"The {environment.SecurityPolicy} preset", null, null)
            : new PolicyRow(environment.Id, environment.Name, environment.SecurityPolicy, latest.Id, latest.Version,
                JsonSerializer.Deserialize<SecurityPolicyDocument>(latest.Conditions, SecurityPolicyDocument.Json)!, latest.Note, latest.CreatedByName,
                latest.CreatedAt);
    }

    /// <summary>Null when the environment does not exist (a 404, not an empty history that looks like "never changed").</summary>
    public async Task<IReadOnlyList<PolicyRow>?> HistoryAsync(Guid environmentId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var environment = await db.Environments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == environmentId, ct);
        if (environment is null)
        {
            return null;
        }

        var versions = await db.SecurityPolicyVersions.AsNoTracking().Where(p => p.EnvironmentId == environmentId)
            .OrderByDescending(p => p.Version).Take(100).ToListAsync(ct);
        return versions.Select(v => new PolicyRow(environment.Id, environment.Name, environment.SecurityPolicy, v.Id, v.Version,
            JsonSerializer.Deserialize<SecurityPolicyDocument>(v.Conditions, SecurityPolicyDocument.Json)!, v.Note, v.CreatedByName, v.CreatedAt)).ToList();
    }

    /// <summary>Saves a new version of the environment's policy. Errors name the condition and field.</summary>
    public async Task<Result<PolicyRow>> SaveAsync(Guid environmentId, SecurityPolicyDocument policy, string? note, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<PolicyRow>.Forbidden("Only admins change an environment's security policy.");
        }

        var errors = policy.Validate();
        if (note is { Length: > 1000 })
        {
            errors["note"] = ["The note is at most 1000 characters."];
        }

        if (errors.Count > 0)
        {
            return Result<PolicyRow>.Invalid(errors);
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!await db.Environments.AnyAsync(e => e.Id == environmentId, ct))
        {
            return Result<PolicyRow>.NotFound($"Environment {environmentId} does not exist.");
        }

        // One writer per environment at a time, so two saves cannot claim the same version number.
        await db.Database.LockAsync($"policy:{environmentId}", ct);
        var previous = await CurrentAsync(db, environmentId, ct);
        var version = new SecurityPolicyVersion
        {
            Id = Guid.CreateVersion7(),
            EnvironmentId = environmentId,
            Version = previous!.Version + 1,
            Conditions = policy.ToJson(),
            Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim(),
            CreatedById = caller.UserId,
            CreatedByName = caller.UserName,
            CreatedAt = clock.GetUtcNow(),
        };
        db.SecurityPolicyVersions.Add(version);
        audit.Add(db, caller.Actor, AuditActions.SecurityPolicyUpdated, ResourceTypes.SecurityPolicy, environmentId.ToString(), new
        {
            environment = previous.EnvironmentName, from = previous.Version, to = version.Version, note = version.Note,
            before = previous.Policy.Conditions.Select(c => c.Describe()), after = policy.Conditions.Select(c => c.Describe()),
        });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<PolicyRow>.Ok((await CurrentAsync(db, environmentId, ct))!);
    }
}
