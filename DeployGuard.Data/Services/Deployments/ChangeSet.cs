using DeployGuard.Data.Entities;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>
/// What one transaction did to deployments: the log lines it added (saved with it) and the events to publish once it
/// has committed.
/// </summary>
internal sealed class ChangeSet(ApplicationDbContext db, DateTimeOffset now)
{
    private readonly List<DeploymentLog> _logs = [];
    private readonly List<DeploymentEvent> _events = [];

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

    public void Raise(DeploymentEvent e) => _events.Add(e with { At = now });

    public void StageChanged(DeploymentStage stage) => Raise(new DeploymentEvent(DeploymentEventKind.StageChanged, stage.DeploymentId)
    {
        StageId = stage.Id, StageName = stage.Name, Status = stage.Status.ToString(),
    });

    /// <summary>Events in the order they happened, with a LogAppended per deployment for the lines saved (ids known after SaveChanges).</summary>
    public IEnumerable<DeploymentEvent> Events()
    {
        foreach (var e in _events)
        {
            yield return e;
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
