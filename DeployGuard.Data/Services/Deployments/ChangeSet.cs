using DeployGuard.Data.Entities;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>
/// What one transaction did to deployments: the log lines it added (saved with it) and the events to publish once it
/// has committed. Stage and deployment events are built when published, from the rows' final state in the transaction.
/// </summary>
internal sealed class ChangeSet(ApplicationDbContext db, DateTimeOffset now)
{
    private readonly List<DeploymentLog> _logs = [];
    private readonly List<Func<DeploymentEvent>> _events = [];
    private readonly List<Action> _committed = [];

    public ApplicationDbContext Db => db;

    public DateTimeOffset Now => now;

    public void Log(Guid deploymentId, Guid? stageId, DeploymentLogLevel level, string eventType, string message, string? data = null)
    {
        var line = new DeploymentLog
        {
            DeploymentId = deploymentId,
            StageId = stageId,
            Timestamp = now,
            Level = level,
            Source = DeploymentLogSource.System,
            EventType = eventType,
            Message = LogStore.Clean(message),
            Data = data,
        };
        db.DeploymentLogs.Add(line);
        _logs.Add(line);
    }

    public void Raise(DeploymentEvent e) => _events.Add(() => e with { At = now });

    public void StageChanged(DeploymentStage stage, MetricRow? metric = null) => _events.Add(() =>
        new DeploymentEvent(DeploymentEventKind.StageChanged, stage.DeploymentId)
        {
            StageId = stage.Id, StageName = stage.Name, Status = stage.Status.ToString(), Stage = StageRow.Of(stage),
            Metrics = metric is null ? null : [metric], At = now,
        });

    /// <summary>DeploymentChanged or DeploymentFinished, carrying the deployment's state at commit.</summary>
    public void DeploymentChanged(Deployment deployment, DeploymentEventKind kind = DeploymentEventKind.DeploymentChanged, string? message = null,
        MetricRow? metric = null) => _events.Add(() =>
        new DeploymentEvent(kind, deployment.Id)
        {
            Status = deployment.Status.ToString(), Message = message, Deployment = DeploymentState.Of(deployment),
            Metrics = metric is null ? null : [metric], At = now,
        });

    /// <summary>A metric row to add, and the same as a page shows it (for the event that announces it).</summary>
    public DeploymentMetric Metric(Guid deploymentId, Guid? stageId, string name, double value, string? unit, out MetricRow row)
    {
        row = new MetricRow(name, value, unit, now);
        return new DeploymentMetric
        {
            Id = Guid.CreateVersion7(), DeploymentId = deploymentId, StageId = stageId, Name = name, Value = value, Unit = unit, RecordedAt = now,
        };
    }

    /// <summary>Runs once the transaction has committed (operators' metrics: only what really happened is counted).</summary>
    public void Committed(Action action) => _committed.Add(action);

    /// <summary>After the commit: the metrics, then the events.</summary>
    public async Task AfterCommitAsync(DeploymentEventBus bus, CancellationToken ct)
    {
        foreach (var action in _committed)
        {
            action();
        }

        await bus.PublishAsync(Events(), ct);
    }

    /// <summary>Events in the order they happened, with a LogAppended per deployment for the lines saved (ids known after SaveChanges).</summary>
    public IEnumerable<DeploymentEvent> Events()
    {
        foreach (var e in _events)
        {
            yield return e();
        }

        foreach (var group in _logs.GroupBy(l => l.DeploymentId))
        {
            var lines = group.OrderBy(l => l.Id)
                .Select(l => new LogLine(l.Id, l.StageId, l.Timestamp, l.Level, l.Source, l.EventType, l.Message)).ToList();
            yield return new DeploymentEvent(DeploymentEventKind.LogAppended, group.Key)
            {
                FirstLogId = lines[0].Id, LastLogId = lines[^1].Id, Lines = lines, At = now,
            };
        }
    }
}
