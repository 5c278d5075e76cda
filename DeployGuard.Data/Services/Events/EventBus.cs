using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Telemetry;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DeployGuard.Data.Services.Events;

/// <summary>
/// The one event bus (docs/decisions/0013): typed events on named <see cref="Topics"/>, delivered in-process at once and
/// to the other instances through PostgreSQL NOTIFY on one channel, whose listener (one per instance) hands them to
/// <see cref="DispatchRemoteAsync"/>. Publishers call <see cref="PublishAsync{TEvent}"/> after their transaction commits.
/// Handlers run synchronously on the publishing (or listening) thread, so they must only queue work (InvokeAsync,
/// channel writes). After the listener reconnects, every subscriber's resync callback runs: notifications sent while it
/// was away are lost for good, and the database is the truth.
/// </summary>
public sealed class EventBus(DeploymentsDataSource dataSource, IEnumerable<IRemoteEventEnricher> enrichers, TimeProvider clock, ILogger<EventBus> logger)
{
    public const string Channel = "deployguard_events";

    /// <summary>NOTIFY payloads must stay under 8000 bytes; a larger event reaches other instances as a resync of its entity.</summary>
    private const int MaxPayload = 7900;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private static readonly Histogram<double> Lag = DeployGuardTelemetry.Meter.CreateHistogram<double>("deployguard.events.lag", "s",
        "From an event's commit on one instance to its dispatch on another (LISTEN/NOTIFY and the receiving queue).");

    private readonly ConcurrentDictionary<long, Subscription> _subscriptions = new();
    private readonly Dictionary<string, IRemoteEventEnricher> _enrichers = enrichers.ToDictionary(e => e.Topic.Name);
    private long _nextId;

    public string InstanceId { get; } = Guid.NewGuid().ToString("N")[..12];

    public int SubscriberCount => _subscriptions.Count;

    /// <summary>
    /// Subscribes to one topic: every event, or only those about <paramref name="entityId"/> (events about no entity reach
    /// everyone). <paramref name="onResync"/> runs when events may have been missed: reload what you show. Dispose to stop.
    /// </summary>
    public IDisposable Subscribe<TEvent>(Topic<TEvent> topic, Guid? entityId, Action<TEvent> onEvent, Action? onResync = null) where TEvent : BusEvent =>
        Subscribe([topic], entityId, e => onEvent((TEvent)e), onResync);

    /// <summary>Subscribes to several topics with one handler (a deployment's page follows deployments, stages and approvals).</summary>
    public IDisposable Subscribe(IReadOnlyList<ITopic> topics, Guid? entityId, Action<BusEvent> onEvent, Action? onResync = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        _subscriptions[id] = new Subscription(topics.Select(t => t.Name).ToHashSet(), entityId, onEvent, onResync);
        return new Unsubscriber(() => _subscriptions.TryRemove(id, out _));
    }

    /// <summary>Whether anyone here listens to the topic for this entity (to skip work for events nobody will see).</summary>
    public bool HasSubscribers(ITopic topic, Guid? entityId) =>
        _subscriptions.Values.Any(s => s.Topics.Contains(topic.Name) && (s.EntityId is null || entityId is null || s.EntityId == entityId));

    public Task PublishAsync<TEvent>(Topic<TEvent> topic, TEvent e, CancellationToken ct = default) where TEvent : BusEvent =>
        PublishAsync([new Published(topic, e)], ct);

    /// <summary>Publishes a transaction's events in order: local subscribers first, then one round trip of NOTIFYs.</summary>
    public async Task PublishAsync(IEnumerable<Published> events, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var batch = events.Select(p => p with { Event = p.Event with { Origin = InstanceId, At = p.Event.At == default ? now : p.Event.At } }).ToList();
        if (batch.Count == 0)
        {
            return;
        }

        foreach (var (topic, e) in batch)
        {
            Dispatch(topic.Name, e);
        }

        try
        {
            // NOTIFYs of one statement are delivered in order, and as one round trip instead of one per event.
            await using var command = dataSource.Source.CreateCommand(
                "SELECT " + string.Join(", ", batch.Select((_, i) => $"pg_notify(@channel, @p{i})")));
            command.Parameters.AddWithValue("channel", Channel);
            for (var i = 0; i < batch.Count; i++)
            {
                command.Parameters.AddWithValue($"p{i}", Serialize(batch[i]));
            }

            await command.ExecuteNonQueryAsync(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // The change is committed; other instances catch up on their next reload.
            logger.LogWarning(ex, "Could not notify other instances of {Count} event(s) ({Topics})", batch.Count,
                string.Join(", ", batch.Select(b => b.Topic.Name).Distinct()));
        }
    }

    private string Serialize(Published published)
    {
        var (topic, e) = published;
        var body = JsonSerializer.Serialize(e, e.GetType(), Json);
        var envelope = new JsonObject { ["t"] = topic.Name, ["o"] = InstanceId };
        if (body.Length <= MaxPayload - 100)
        {
            envelope["e"] = JsonNode.Parse(body);
        }
        else
        {
            logger.LogInformation("A {Topic} event of {Bytes} bytes is too large for NOTIFY; other instances reload its entity instead", topic.Name, body.Length);
            envelope["r"] = e.EntityId?.ToString();
        }

        return envelope.ToJsonString();
    }

    /// <summary>A notification from another instance (or from the database's own triggers, which have no origin).</summary>
    public async Task DispatchRemoteAsync(string payload, CancellationToken ct = default)
    {
        string? topicName;
        BusEvent? e;
        try
        {
            var envelope = JsonNode.Parse(payload) as JsonObject;
            topicName = envelope?["t"]?.GetValue<string>();
            if (envelope is null || topicName is null || !Topics.ByName.TryGetValue(topicName, out var topic) ||
                envelope["o"]?.GetValue<string>() == InstanceId)
            {
                return;
            }

            if (envelope.ContainsKey("r"))
            {
                var entity = envelope["r"]?.GetValue<string>() is { } id ? Guid.Parse(id) : (Guid?)null;
                DispatchResync(s => s.Topics.Contains(topicName) && (entity is null || s.EntityId is null || s.EntityId == entity));
                return;
            }

            e = envelope["e"]?.Deserialize(topic.EventType, Json) as BusEvent;
            if (e is null)
            {
                return;
            }

            if (e.At != default)
            {
                Lag.Record(Math.Max(0, (clock.GetUtcNow() - e.At).TotalSeconds), new KeyValuePair<string, object?>("topic", topicName));
            }

            if (_enrichers.TryGetValue(topicName, out var enricher))
            {
                e = await enricher.EnrichAsync(e, this, ct);
                if (e is null)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Ignoring a malformed event notification");
            return;
        }

        Dispatch(topicName, e);
    }

    /// <summary>Tells every local subscriber to reload: notifications from other instances may have been lost.</summary>
    public void DispatchResync() => DispatchResync(_ => true);

    private void DispatchResync(Func<Subscription, bool> which)
    {
        foreach (var subscription in _subscriptions.Values.Where(which))
        {
            Run(subscription.OnResync);
        }
    }

    private void Dispatch(string topic, BusEvent e)
    {
        foreach (var subscription in _subscriptions.Values)
        {
            if (!subscription.Topics.Contains(topic) || (subscription.EntityId is { } id && e.EntityId is { } about && id != about))
            {
                continue;
            }

            Run(() => subscription.OnEvent(e));
        }
    }

    private void Run(Action? handler)
    {
        try
        {
            handler?.Invoke();
        }
        catch (Exception ex)
        {
            // One broken subscriber (a disposed circuit) must not stop the others.
            logger.LogWarning(ex, "An event handler failed");
        }
    }

    private sealed record Subscription(HashSet<string> Topics, Guid? EntityId, Action<BusEvent> OnEvent, Action? OnResync);

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

/// <summary>An event and its topic, for publishing a transaction's events in one go.</summary>
public readonly record struct Published(ITopic Topic, BusEvent Event);

/// <summary>
/// Completes events of one topic that arrive from other instances before local subscribers see them (log events carry
/// an id range over NOTIFY; the lines are read once per instance). Returning null drops the event.
/// </summary>
public interface IRemoteEventEnricher
{
    ITopic Topic { get; }

    ValueTask<BusEvent?> EnrichAsync(BusEvent e, EventBus bus, CancellationToken ct);
}
