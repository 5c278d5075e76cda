using System.Threading.Channels;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;

namespace DeployGuard.Web.Workers;

/// <summary>
/// Collects a stage's output lines and writes them in batches (up to LogBatchSize lines, at most LogFlushMilliseconds
/// late), publishing one LogAppended event per batch. The channel is bounded so a runaway command is slowed down by
/// its own full pipe rather than filling memory.
/// </summary>
internal sealed class StageLogWriter : IAsyncDisposable
{
    private readonly Channel<NewLogLine> _lines = Channel.CreateBounded<NewLogLine>(
        new BoundedChannelOptions(50_000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly Guid _deploymentId;
    private readonly Guid _stageId;
    private readonly LogStore _store;
    private readonly DeploymentEventBus _bus;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly int _batchSize;
    private readonly TimeSpan _flushDelay;
    private readonly Task _pump;

    public StageLogWriter(Guid deploymentId, Guid stageId, LogStore store, DeploymentEventBus bus, TimeProvider clock, RunnerOptions options,
        ILogger logger)
    {
        _deploymentId = deploymentId;
        _stageId = stageId;
        _store = store;
        _bus = bus;
        _clock = clock;
        _logger = logger;
        _batchSize = Math.Max(1, options.LogBatchSize);
        _flushDelay = TimeSpan.FromMilliseconds(Math.Max(1, options.LogFlushMilliseconds));
        _pump = Task.Run(PumpAsync);
    }

    public long Written { get; private set; }

    public ValueTask WriteAsync(DeploymentLogLevel level, string eventType, string message, CancellationToken ct = default) =>
        _lines.Writer.WriteAsync(new NewLogLine(_stageId, _clock.GetUtcNow(), level, DeploymentLogSource.Stage, eventType, message), ct);

    private async Task PumpAsync()
    {
        var batch = new List<NewLogLine>(_batchSize);
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync())
        {
            // Gather what arrives within the flush delay, up to a batch.
            var deadline = Task.Delay(_flushDelay);
            while (batch.Count < _batchSize)
            {
                while (batch.Count < _batchSize && reader.TryRead(out var line))
                {
                    batch.Add(line);
                }

                if (batch.Count >= _batchSize || deadline.IsCompleted)
                {
                    break;
                }

                var more = reader.WaitToReadAsync().AsTask();
                if (await Task.WhenAny(more, deadline) == deadline || !await more)
                {
                    break;
                }
            }

            await FlushAsync(batch);
            batch.Clear();
        }
    }

    private async Task FlushAsync(List<NewLogLine> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var lines = await _store.AppendAsync(_deploymentId, batch);
                Written += lines.Count;
                await _bus.PublishAsync(new DeploymentEvent(DeploymentEventKind.LogAppended, _deploymentId)
                {
                    StageId = _stageId, FirstLogId = lines[0].Id, LastLogId = lines[^1].Id, Lines = lines, At = _clock.GetUtcNow(),
                });
                return;
            }
            catch (Exception ex) when (attempt < 5 && ex is Npgsql.NpgsqlException or TimeoutException)
            {
                _logger.LogWarning(ex, "Writing {Count} log lines failed (attempt {Attempt}); retrying", batch.Count, attempt);
                await Task.Delay(200 * attempt);
            }
            catch (Exception ex)
            {
                // Never acknowledged, so never shown as written: the stage goes on without them.
                _logger.LogError(ex, "Dropped {Count} log lines of deployment {DeploymentId}", batch.Count, _deploymentId);
                return;
            }
        }
    }

    /// <summary>Writes everything still buffered.</summary>
    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _pump;
    }
}
