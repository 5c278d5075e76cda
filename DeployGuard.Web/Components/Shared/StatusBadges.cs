using System.Text;
using DeployGuard.Data.Entities;

namespace DeployGuard.Web.Components.Shared;

public enum StatusTone
{
    /// <summary>Done and fine: succeeded, approved, healthy, fixed.</summary>
    Good,
    /// <summary>Failed, rejected, open secret.</summary>
    Bad,
    /// <summary>Needs a look: rolled back, warned, confirmed finding.</summary>
    Warning,
    /// <summary>Happening now: running, deploying, scanning.</summary>
    Active,
    /// <summary>Not started yet: queued, pending, draft.</summary>
    Waiting,
    /// <summary>Out of the way: skipped, cancelled, superseded, false positive.</summary>
    Neutral,
}

/// <summary>The words and tone of each status name, shared by every list and detail page.</summary>
public static class StatusBadges
{
    public static StatusTone ToneOf(string status) => status switch
    {
        "Succeeded" or "Deployed" or "Approved" or "Approve" or "Healthy" or "Completed" or "Fixed" => StatusTone.Good,
        "Failed" or "Reject" or "Rejected" or "Unhealthy" or "Open" => StatusTone.Bad,
        "RolledBack" or "Warn" or "Confirmed" => StatusTone.Warning,
        "Running" or "Deploying" or "InProgress" or "Scanning" => StatusTone.Active,
        "Queued" or "Pending" or "Ready" or "Draft" => StatusTone.Waiting,
        _ => StatusTone.Neutral,
    };

    /// <summary>Lower-case words: "rolled back", "false positive", "blue-green"; a pending scan is "queued".</summary>
    public static string LabelOf(Enum? value, string name) => value switch
    {
        ScanStatus.Pending => "queued",
        _ when name == nameof(DeploymentStrategy.BlueGreen) => "blue-green",
        _ => Words(name),
    };

    private static string Words(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append(' ');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }
}
