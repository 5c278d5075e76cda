using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DeployGuard.Data.Services.Deployments;

/// <summary>
/// In-process fan-out of deployment events, bridged across app instances with PostgreSQL LISTEN/NOTIFY.
/// Publishers call <see cref="PublishAsync"/> after their transaction commits: local subscribers get the event at
/// once, and a NOTIFY carries it to the other instances, whose listener hands it to <see cref="DispatchRemoteAsync"/>.
/// Handlers run synchronously on the publishing thread, so they must only queue work (InvokeAsync, channel writes).
/// </summary>
public sealed class DeploymentEventBus(DeploymentsDataSource dataSource, LogStore logs, ILogger<DeploymentEventBus> logger)
{
    public const string Channel = "deployguard_deployments";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly ConcurrentDictionary<long, Subscription> _subscriptions = new();
    private long _nextId;

    public string InstanceId { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Subscribes to one deployment's events, or to all when <paramref name="deploymentId"/> is null. Dispose to stop.</summary>
    public IDisposable Subscribe(Guid? deploymentId, Action<DeploymentEvent> handler)
    {
        var id = Interlocked.Increment(ref _nextId);
        _subscriptions[id] = new Subscription(deploymentId, handler);
        return new Unsubscriber(() => _subscriptions.TryRemove(id, out _));
    }

    public int SubscriberCount => _subscriptions.Count;

    public async Task PublishAsync(DeploymentEvent e, CancellationToken ct = default)
    {
        e = e with { Origin = InstanceId };
        Dispatch(e);
        try
        {
            await using var command = dataSource.Source.CreateCommand("SELECT pg_notify(@channel, @payload)");
            command.Parameters.AddWithValue("channel", Channel);
            command.Parameters.AddWithValue("payload", JsonSerializer.Serialize(e, Json));
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // The change is committed; other instances catch up on their next poll or reload.
            logger.LogWarning(ex, "Could not notify other instances of {Kind} for deployment {DeploymentId}", e.Kind, e.DeploymentId);
        }
    }

    /// <summary>Publishes a transaction's events in order: local subscribers first, then one round trip of NOTIFYs.</summary>
    public async Task PublishAsync(IEnumerable<DeploymentEvent> events, CancellationToken ct = default)
    {
        var batch = events.Select(e => e with { Origin = InstanceId }).ToList();
        if (batch.Count == 0)
        {
            return;
        }

        foreach (var e in batch)
        {
            Dispatch(e);
        }

        try
        {
            // NOTIFYs of one statement are delivered in order, and as one round trip instead of one per event.
            await using var command = dataSource.Source.CreateCommand(
                "SELECT " + string.Join(", ", batch.Select((_, i) => $"pg_notify(@channel, @p{i})")));
            command.Parameters.AddWithValue("channel", Channel);
            for (var i = 0; i < batch.Count; i++)
            {
                command.Parameters.AddWithValue($"p{i}", JsonSerializer.Serialize(batch[i], Json));
            }

            await command.ExecuteNonQueryAsync(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Could not notify other instances of {Count} events", batch.Count);
        }
    }

    /// <summary>An event from another instance (through NOTIFY).</summary>
    public async Task DispatchRemoteAsync(string payload, CancellationToken ct = default)
    {
        DeploymentEvent? e;
        try
        {
            e = JsonSerializer.Deserialize<DeploymentEvent>(payload, Json);
        }
        catch (JsonException ex)
        {
            logger.LogWarning(ex, "Ignoring a malformed deployment notification");
            return;
        }

        if (e is null || e.Origin == InstanceId)
        {
            return;
        }

        if (e.Kind == DeploymentEventKind.LogAppended)
        {
            // Read the lines once per instance, and only when someone here is watching.
            if (!_subscriptions.Values.Any(s => s.DeploymentId is null || s.DeploymentId == e.DeploymentId))
            {
                return;
            }

            e = e with { Lines = await logs.RangeAsync(e.DeploymentId, e.FirstLogId, e.LastLogId, ct) };
        }

        Dispatch(e);
    }

    /// <summary>Tells every local subscriber to reload: notifications from other instances may have been lost.</summary>
    public void DispatchResync() => Dispatch(new DeploymentEvent(DeploymentEventKind.Resync, Guid.Empty) { Origin = InstanceId });

    private void Dispatch(DeploymentEvent e)
    {
        foreach (var subscription in _subscriptions.Values)
        {
            if (subscription.DeploymentId is { } id && id != e.DeploymentId && e.Kind != DeploymentEventKind.Resync)
            {
                continue;
            }

            try
            {
                subscription.Handler(e);
            }
            catch (Exception ex)
            {
                // One broken subscriber (a disposed circuit) must not stop the others.
                logger.LogWarning(ex, "A deployment event handler failed");
            }
        }
    }

    private sealed record Subscription(Guid? DeploymentId, Action<DeploymentEvent> Handler);

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                dispose();
            }
        }
    }
}
