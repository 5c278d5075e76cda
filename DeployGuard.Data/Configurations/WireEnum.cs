using System.Text;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace DeployGuard.Data.Configurations;

/// <summary>
/// Stores an enum as the seeds write its values: lower-case snake case (<c>git_repo</c>, <c>accepted_risk</c>), so the
/// seeds' own SQL (<c>WHERE status = 'completed'</c>) reads the tables as they are.
/// </summary>
internal sealed class WireEnum<T>() : ValueConverter<T, string>(v => Name(v), v => Parse(v)) where T : struct, Enum
{
    private static readonly Dictionary<T, string> Names = Enum.GetValues<T>().ToDictionary(v => v, v => Snake(v.ToString()));
    private static readonly Dictionary<string, T> Values = Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static string Name(T value) => Names[value];

    public static T Parse(string value) => Values[value];

    private static string Snake(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && !char.IsDigit(name[i - 1]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
