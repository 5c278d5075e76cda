using System.Text.Json.Serialization;

namespace DeployGuard.Data.Services.Events;

/// <summary>
/// Something that happened, as the event bus carries it: within this instance at once, to the other instances through
/// PostgreSQL NOTIFY (as JSON: keep events well under 8000 bytes, and make them carry what a page needs to patch itself).
/// </summary>
public abstract record BusEvent
{
    /// <summary>What the event is about (a deployment, a scan ...): what subscribers filter on. Null concerns every subscriber.</summary>
    [JsonIgnore]
    public abstract Guid? EntityId { get; }

    /// <summary>When it happened (the committing transaction's clock).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>The instance that published it (to ignore our own notifications).</summary>
    public string? Origin { get; init; }
}
