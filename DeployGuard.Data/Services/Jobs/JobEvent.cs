using System.Text.Json.Serialization;
using DeployGuard.Data.Services.Events;

namespace DeployGuard.Data.Services.Jobs;

/// <summary>A job of <see cref="Kind"/> was queued (or re-queued): its workers should look. Sent by the jobs table's trigger.</summary>
public sealed record JobEvent(string Kind) : BusEvent
{
    [JsonIgnore]
    public override Guid? EntityId => null;
}
