using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Scanning;

/// <summary>
/// Derives known false-positive patterns from triage feedback (seed 01). For a value shape with f false-positive
/// and t true-positive verdicts, confidence = (f + 1) / (f + t + 2): it starts at 0.5 without evidence, grows with
/// agreeing samples and falls with disagreeing ones. Patterns at or above <c>Scanning:FalsePositiveConfidence</c>
/// (default 0.8, i.e. three unanimous verdicts) suppress future findings.
/// </summary>
public sealed class FalsePositiveLearning(IDbContextFactory<ApplicationDbContext> contextFactory, IOptions<ScanningOptions> options, TimeProvider clock)
{
    public double Threshold => options.Value.FalsePositiveConfidence;

    public static double Confidence(int falsePositives, int truePositives) => (falsePositives + 1.0) / (falsePositives + truePositives + 2.0);

    /// <summary>Recomputes the given patterns from all feedback, inside the caller's transaction.</summary>
    public async Task RecomputeAsync(ApplicationDbContext db, IEnumerable<string> patterns, CancellationToken ct)
    {
        foreach (var pattern in patterns.Distinct().Order(StringComparer.Ordinal))
        {
            // Serialise recomputation per pattern so concurrent triage cannot leave stale counts behind.
            await db.Database.LockAsync("fp:" + pattern, ct);
            var counts = await db.FeedbackItems.Where(i => i.ValuePattern == pattern)
                .GroupBy(i => i.IsTruePositive)
                .Select(g => new { TruePositive = g.Key, Count = g.Count() })
                .ToListAsync(ct);
            var falsePositives = counts.Where(c => !c.TruePositive).Sum(c => c.Count);
            var truePositives = counts.Where(c => c.TruePositive).Sum(c => c.Count);
            var samples = falsePositives + truePositives;
            var confidence = Confidence(falsePositives, truePositives);
            var reason = $"{falsePositives} of {Text.Count(samples, "triage decision")} said values shaped like {pattern} are not secrets.";

            var existing = await db.KnownFalsePositivePatterns.FirstOrDefaultAsync(p => p.Pattern == pattern, ct);
            if (existing is null)
            {
                if (falsePositives == 0)
                {
                    continue; // Only confirmations: nothing to learn as a false positive.
                }

                existing = new KnownFalsePositivePattern { Id = Guid.CreateVersion7(), Pattern = pattern };
                db.KnownFalsePositivePatterns.Add(existing);
            }

            existing.Confidence = confidence;
            existing.SampleCount = samples;
            existing.FalsePositiveCount = falsePositives;
            existing.Reason = reason.Length > 500 ? reason[..500] : reason;
            existing.UpdatedAt = clock.GetUtcNow();
        }
    }

    /// <summary>Patterns confident enough to suppress findings, for the scanner.</summary>
    public async Task<IReadOnlyList<LearnedPattern>> ActiveAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var threshold = Threshold;
        return await db.KnownFalsePositivePatterns.AsNoTracking().Where(p => p.Confidence >= threshold)
            .OrderByDescending(p => p.Confidence)
            .Select(p => new LearnedPattern(p.Pattern, p.Confidence, p.Reason))
            .ToListAsync(ct);
    }

    public async Task<IReadOnlyList<PatternRow>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var threshold = Threshold;
        return await db.KnownFalsePositivePatterns.AsNoTracking().OrderByDescending(p => p.Confidence).ThenByDescending(p => p.SampleCount)
            .Select(p => new PatternRow(p.Id, p.Pattern, p.Confidence, p.SampleCount, p.FalsePositiveCount, p.Reason, p.UpdatedAt, p.Confidence >= threshold))
            .ToListAsync(ct);
    }
}
