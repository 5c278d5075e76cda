using System.Text.Json;

namespace DeployGuard.Scanning.Contracts;

/// <summary>Enum names as they appear on the wire.</summary>
public static class WireNames
{
    /// <summary><c>SecretType.ApiKey</c> → <c>api_key</c>, as <see cref="ScanningJson"/> writes it.</summary>
    public static string Of<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
