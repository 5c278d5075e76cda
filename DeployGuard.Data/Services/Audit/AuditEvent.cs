using System.Text.Json.Serialization;
using DeployGuard.Data.Services.Events;

namespace DeployGuard.Data.Services.Audit;

/// <summary>The audit chain's verification as the admin badge shows it (topic <see cref="Topics.Audit"/>).</summary>
/// <param name="Running">A verification is recomputing hashes right now.</param>
/// <param name="Checked">Rows checked so far (while running) or in all (when done).</param>
/// <param name="Last">The last finished verification, if any.</param>
/// <param name="Error">Why the last verification could not finish.</param>
public sealed record AuditEvent(bool Running, long Checked, AuditVerification? Last, string? Error) : BusEvent
{
    [JsonIgnore]
    public override Guid? EntityId => null;
}
