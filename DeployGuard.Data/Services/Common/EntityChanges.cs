using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace DeployGuard.Data.Services.Common;

/// <summary>Old and new values of the changed properties, for the audit row of an update.</summary>
internal static class EntityChanges
{
    private static readonly HashSet<string> Ignored = ["UpdatedAt", "CreatedAt", "ConcurrencyStamp", "SecurityStamp", "PasswordHash"];

    public static Dictionary<string, object?> Describe(EntityEntry entry)
    {
        var changes = new Dictionary<string, object?>();
        foreach (var property in entry.Properties)
        {
            if (!property.IsModified || Ignored.Contains(property.Metadata.Name) || Equals(property.OriginalValue, property.CurrentValue))
            {
                continue;
            }

            changes[ToCamel(property.Metadata.Name)] = new { from = Plain(property.OriginalValue), to = Plain(property.CurrentValue) };
        }

        return changes;
    }

    private static object? Plain(object? value) => value is Enum e ? e.ToString() : value;

    private static string ToCamel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
