using System.ComponentModel.DataAnnotations;
using DeployGuard.Data.Configurations;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Deployments;

public sealed class ProtectionInput : IValidatableObject
{
    [StringLength(FieldLengths.Description, ErrorMessage = "At most {1} characters.")]
    [RegularExpression(@"^[A-Za-z0-9._/*,\s-]*$", ErrorMessage = "Branch patterns use letters, digits, '.', '_', '/', '-' and '*', separated by commas.")]
    public string? AllowedBranches { get; set; }

    public List<Guid> ApprovalTeamIds { get; set; } = [];

    [Range(0, 86400, ErrorMessage = "The wait timer is 0 to {2} seconds.")]
    public int WaitTimerSeconds { get; set; }

    public SecurityPolicy SecurityPolicy { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(SecurityPolicy))
        {
            yield return new ValidationResult("Unknown security policy.", [nameof(SecurityPolicy)]);
        }
    }
}

public sealed class FreezeWindowInput : IValidatableObject
{
    [Required(ErrorMessage = "When does the freeze start?")]
    public DateTimeOffset? StartsAt { get; set; }

    [Required(ErrorMessage = "When does the freeze end?")]
    public DateTimeOffset? EndsAt { get; set; }

    [Required(ErrorMessage = "Say why deployments are frozen.")]
    [StringLength(FieldLengths.Reason, MinimumLength = 3, ErrorMessage = "The reason must be {2} to {1} characters.")]
    public string Reason { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StartsAt is { } start && EndsAt is { } end && end <= start)
        {
            yield return new ValidationResult("The freeze must end after it starts.", [nameof(EndsAt)]);
        }
    }
}

public sealed class UnblockInput
{
    [Required(ErrorMessage = "Say why this release may be deployed here again.")]
    [StringLength(FieldLengths.Reason, MinimumLength = 3, ErrorMessage = "The reason must be {2} to {1} characters.")]
    public string Reason { get; set; } = "";
}

public sealed record FreezeWindowRow(Guid Id, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Reason, string? CreatedByName);

public sealed record BlockedReleaseRow(Guid Id, Guid ReleaseId, string ServiceName, string Version, string Reason, string? BlockedByName,
    DateTimeOffset BlockedAt);

public sealed record ProtectionView(Guid EnvironmentId, string EnvironmentName, bool IsProtected, int RequiredApprovals, ProtectionInput Settings,
    IReadOnlyList<FreezeWindowRow> FreezeWindows, IReadOnlyList<BlockedReleaseRow> Blocked);

/// <summary>The protection rules of environments beyond the catalog's fields. Admins change them; every change is audited.</summary>
public sealed class EnvironmentProtectionService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock)
{
    public async Task<ProtectionView?> GetAsync(Guid environmentId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var environment = await db.Environments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == environmentId, ct);
        if (environment is null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var windows = await db.FreezeWindows.AsNoTracking().Where(f => f.EnvironmentId == environmentId && f.EndsAt > now).OrderBy(f => f.StartsAt)
            .Select(f => new FreezeWindowRow(f.Id, f.StartsAt, f.EndsAt, f.Reason, f.CreatedByName)).ToListAsync(ct);
        var blocked = await db.BlockedReleases.AsNoTracking().Where(b => b.EnvironmentId == environmentId && b.UnblockedAt == null)
            .OrderByDescending(b => b.BlockedAt)
            .Select(b => new BlockedReleaseRow(b.Id, b.ReleaseId, b.Release!.Service!.Name, b.Release.Version, b.Reason, b.BlockedByName, b.BlockedAt))
            .ToListAsync(ct);
        var settings = new ProtectionInput
        {
            AllowedBranches = environment.AllowedBranches, ApprovalTeamIds = environment.ApprovalTeamIds.ToList(),
            WaitTimerSeconds = environment.WaitTimerSeconds, SecurityPolicy = environment.SecurityPolicy,
        };
        return new ProtectionView(environment.Id, environment.Name, environment.IsProtected, environment.RequiredApprovals, settings, windows, blocked);
    }

    public async Task<Result<Unit>> UpdateAsync(Guid environmentId, ProtectionInput input, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var environment = await db.Environments.FirstOrDefaultAsync(e => e.Id == environmentId, ct);
        if (environment is null)
        {
            return Result<Unit>.NotFound($"Environment {environmentId} does not exist.");
        }

        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins change environment protection.");
        }

        var errors = InputValidator.Validate(input);
        var teams = input.ApprovalTeamIds.Distinct().ToList();
        var known = await db.Teams.Where(t => teams.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        if (known.Count != teams.Count)
        {
            errors.Add(nameof(input.ApprovalTeamIds), "One of the chosen teams does not exist.");
        }

        if (errors.Count > 0)
        {
            return Result<Unit>.Invalid(errors);
        }

        var branches = string.Join(", ", ProtectionRules.Split(input.AllowedBranches));
        environment.AllowedBranches = branches.Length == 0 ? null : branches;
        environment.ApprovalTeamIds = teams;
        environment.WaitTimerSeconds = input.WaitTimerSeconds;
        environment.SecurityPolicy = input.SecurityPolicy;
        var changes = EntityChanges.Describe(db.Entry(environment));
        if (changes.Count == 0)
        {
            return Result<Unit>.Ok(Unit.Value);
        }

        audit.Add(db, caller.Actor, AuditActions.EnvironmentProtectionUpdated, ResourceTypes.Environment,
            environmentId.ToString(), new { changes });
        await db.SaveChangesAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }

    public async Task<Result<FreezeWindowRow>> AddFreezeWindowAsync(Guid environmentId, FreezeWindowInput input, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var environment = await db.Environments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == environmentId, ct);
        if (environment is null)
        {
            return Result<FreezeWindowRow>.NotFound($"Environment {environmentId} does not exist.");
        }

        if (!caller.IsAdmin)
        {
            return Result<FreezeWindowRow>.Forbidden("Only admins schedule freeze windows.");
        }

        var errors = InputValidator.Validate(input);
        if (errors.Count == 0 && input.EndsAt <= clock.GetUtcNow())
        {
            errors.Add(nameof(input.EndsAt), "The freeze must end in the future.");
        }

        if (errors.Count > 0)
        {
            return Result<FreezeWindowRow>.Invalid(errors);
        }

        var window = new FreezeWindow
        {
            Id = Guid.CreateVersion7(), EnvironmentId = environmentId, StartsAt = input.StartsAt!.Value.ToUniversalTime(),
            EndsAt = input.EndsAt!.Value.ToUniversalTime(), Reason = input.Reason.Trim(), CreatedByName = caller.UserName, CreatedAt = clock.GetUtcNow(),
        };
        db.FreezeWindows.Add(window);
        audit.Add(db, caller.Actor, AuditActions.FreezeWindowAdded, ResourceTypes.Environment,
            environmentId.ToString(), new { environment = environment.Name, window.StartsAt, window.EndsAt, window.Reason });
        await db.SaveChangesAsync(ct);
        return Result<FreezeWindowRow>.Ok(new FreezeWindowRow(window.Id, window.StartsAt, window.EndsAt, window.Reason, window.CreatedByName));
    }

    public async Task<Result<Unit>> RemoveFreezeWindowAsync(Guid environmentId, Guid windowId, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var window = await db.FreezeWindows.FirstOrDefaultAsync(f => f.Id == windowId && f.EnvironmentId == environmentId, ct);
        if (window is null)
        {
            return Result<Unit>.NotFound($"Freeze window {windowId} does not exist.");
        }

        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins remove freeze windows.");
        }

        db.FreezeWindows.Remove(window);
        audit.Add(db, caller.Actor, AuditActions.FreezeWindowRemoved, ResourceTypes.Environment,
            environmentId.ToString(), new { window.StartsAt, window.EndsAt, window.Reason });
        await db.SaveChangesAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }

    public async Task<Result<Unit>> UnblockAsync(Guid blockId, UnblockInput input, Caller caller, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var block = await db.BlockedReleases.Include(b => b.Release).FirstOrDefaultAsync(b => b.Id == blockId && b.UnblockedAt == null, ct);
        if (block is null)
        {
            return Result<Unit>.NotFound($"Block {blockId} does not exist or was lifted already.");
        }

        if (!caller.IsAdmin)
        {
            return Result<Unit>.Forbidden("Only admins unblock releases.");
        }

        var errors = InputValidator.Validate(input);
        if (errors.Count > 0)
        {
            return Result<Unit>.Invalid(errors);
        }

        block.UnblockedAt = clock.GetUtcNow();
        block.UnblockedByName = caller.UserName;
        block.UnblockReason = input.Reason.Trim();
        audit.Add(db, caller.Actor, AuditActions.ReleaseUnblocked, ResourceTypes.Release, block.ReleaseId.ToString(),
            new { release = block.Release!.Version, environmentId = block.EnvironmentId, reason = block.UnblockReason });
        await db.SaveChangesAsync(ct);
        return Result<Unit>.Ok(Unit.Value);
    }
}
