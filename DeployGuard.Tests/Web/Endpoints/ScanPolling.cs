using System.Net.Http.Json;
using System.Text.Json;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Web.Endpoints;

/// <summary>Waiting for a scan triggered through the API, shared by the scan API test classes.</summary>
internal static class ScanPolling
{
    /// <summary>
    /// The scan (from the API) once it has ended, or as it is after <paramref name="seconds"/>: a scan left pending fails
    /// the caller's assertion. Polled in the database, not over HTTP, which would meet the API's rate limit within the minute.
    /// </summary>
    public static async Task<JsonElement> WaitForEndAsync(this HttpClient client, string connectionString, Guid id, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (await Sql.ScalarAsync<string?>(connectionString, "SELECT status FROM scans WHERE id = @id", ("id", id)) is not ("completed" or "failed")
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return await client.GetFromJsonAsync<JsonElement>($"/api/scans/{id}");
    }
}
