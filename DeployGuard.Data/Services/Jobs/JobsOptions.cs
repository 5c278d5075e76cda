using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Services.Jobs;

/// <summary>The job queue and its workers (section <c>Jobs</c>); per kind under <c>Jobs:Kinds:&lt;Kind&gt;</c>.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Whether this instance works jobs at all (false: it only serves pages and the API).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often an idle worker looks for due jobs when no notification woke it (timers, back-offs, lost NOTIFYs).</summary>
    [Range(10, 60_000)]
    public int PollIntervalMilliseconds { get; set; } = 1000;

    /// <summary>How often a worker tells the database it is still working on its jobs.</summary>
    [Range(1, 300)]
    public int HeartbeatSeconds { get; set; } = 2;

    /// <summary>How often each worker looks for jobs whose worker stopped heartbeating.</summary>
    [Range(1, 3600)]
    public int SweepIntervalSeconds { get; set; } = 1;

    /// <summary>Finished job rows are deleted after this many days (their subjects keep their own history).</summary>
    [Range(1, 3650)]
    public int KeepFinishedDays { get; set; } = 7;

    /// <summary>Per kind (<c>Jobs:Kinds:Scan:Concurrency</c>); checked against the registered kinds by <see cref="JobKindsValidator"/>.</summary>
    public Dictionary<string, JobKindOptions> Kinds { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The kind's defaults with whatever configuration sets for it.</summary>
    public JobKindPolicy PolicyFor(IJobKind kind)
    {
        var d = kind.Defaults;
        var o = Kinds.GetValueOrDefault(kind.Name);
        return new JobKindPolicy(o?.Concurrency ?? d.Concurrency, o?.StaleAfterSeconds ?? d.StaleAfterSeconds, o?.MaxAttempts ?? d.MaxAttempts,
            o?.RetryDelaySeconds ?? d.RetryDelaySeconds, o?.MaxRetryDelaySeconds ?? d.MaxRetryDelaySeconds);
    }
}

/// <summary>What configuration may change per kind; unset values keep the kind's defaults.</summary>
public sealed class JobKindOptions
{
    /// <summary>Jobs of this kind one instance works on at once (0: none here).</summary>
    public int? Concurrency { get; set; }

    /// <summary>A running job whose heartbeat is older than this is taken as abandoned.</summary>
    public int? StaleAfterSeconds { get; set; }

    /// <summary>Runs in all (1: never retried).</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>The first retry waits this long; each further one twice as long, up to <see cref="MaxRetryDelaySeconds"/>.</summary>
    public int? RetryDelaySeconds { get; set; }

    public int? MaxRetryDelaySeconds { get; set; }
}

/// <summary>A kind's settings as in force.</summary>
public sealed record JobKindPolicy(int Concurrency, int StaleAfterSeconds, int MaxAttempts, int RetryDelaySeconds, int MaxRetryDelaySeconds)
{
    public static JobKindPolicy Standard { get; } = new(1, 30, 1, 10, 600);

    /// <summary>The wait before retry number <paramref name="attempt"/> + 1.</summary>
    public TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(MaxRetryDelaySeconds, RetryDelaySeconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 20))));
}

/// <summary>
/// The rules DataAnnotations cannot state: each kind's policy (its defaults with what configuration sets) in range, kinds
/// that exist, stale periods longer than the heartbeat, and settings that moved here from <c>Deployments:Runner</c> and
/// <c>Scanning</c> (naming where they went), so an old configuration stops start-up instead of being silently ignored.
/// </summary>
// Kinds are resolved when validating, not when constructing: the queue the kinds use needs these options itself.
internal sealed class JobKindsValidator(IServiceProvider services, IConfiguration configuration) : IValidateOptions<JobsOptions>
{
    private static readonly (string Old, string New)[] Moved =
    [
        ("Deployments:Runner:Enabled", "Jobs:Enabled"),
        ("Deployments:Runner:MaxConcurrency", "Jobs:Kinds:DeploymentStage:Concurrency"),
        ("Deployments:Runner:PollIntervalMilliseconds", "Jobs:PollIntervalMilliseconds"),
        ("Deployments:Runner:HeartbeatSeconds", "Jobs:HeartbeatSeconds"),
        ("Deployments:Runner:StaleAfterSeconds", "Jobs:Kinds:DeploymentStage:StaleAfterSeconds"),
        ("Scanning:Workers", "Jobs:Kinds:Scan:Concurrency and Jobs:Kinds:Clean:Concurrency"),
    ];

    public ValidateOptionsResult Validate(string? name, JobsOptions options)
    {
        var errors = new List<string>();
        foreach (var (old, now) in Moved)
        {
            if (configuration[old] is not null)
            {
                errors.Add($"{old} is no longer read: set {now} instead.");
            }
        }

        var known = services.GetServices<IJobKind>().ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var configured in options.Kinds.Keys.Where(k => !known.ContainsKey(k)))
        {
            errors.Add($"Jobs:Kinds:{configured} names no job kind (known: {string.Join(", ", known.Keys.Order())}).");
        }

        foreach (var kind in known.Values)
        {
            var key = $"Jobs:Kinds:{kind.Name}";
            var policy = options.PolicyFor(kind);
            Range(errors, $"{key}:Concurrency", policy.Concurrency, 0, 64);
            Range(errors, $"{key}:MaxAttempts", policy.MaxAttempts, 1, 100);
            Range(errors, $"{key}:RetryDelaySeconds", policy.RetryDelaySeconds, 0, 86_400);
            Range(errors, $"{key}:MaxRetryDelaySeconds", policy.MaxRetryDelaySeconds, policy.RetryDelaySeconds, 7 * 86_400);
            if (policy.StaleAfterSeconds <= options.HeartbeatSeconds)
            {
                errors.Add($"{key}:StaleAfterSeconds ({policy.StaleAfterSeconds}) must exceed Jobs:HeartbeatSeconds ({options.HeartbeatSeconds}): " +
                           "live jobs would be taken as abandoned.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // Worded as DataAnnotations' RangeAttribute words the other settings, plus the value found.
    private static void Range(List<string> errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"The field {key} must be between {min} and {max} (is {value}).");
        }
    }
}
