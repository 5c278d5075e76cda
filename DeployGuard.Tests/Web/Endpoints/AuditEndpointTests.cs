using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Data.Audit;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Endpoints;

public sealed class AuditEndpointTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Engineer)]
    [InlineData(Roles.Approver)]
    public async Task ExportCsv_NotAdmin_Returns403(string role)
    {
        var (client, _) = await app.SignInNewUserAsync(role);

        var csv = await client.GetAsync("/api/audit/export.csv");
        var verify = await client.GetAsync("/api/audit/verify");

        Assert.Equal(HttpStatusCode.Forbidden, csv.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, verify.StatusCode);
        Assert.Null(csv.Headers.Location);
    }

    [Fact]
    public async Task ExportCsv_AdminWithFilter_ReturnsMatchingRowsAsQuotedCsv()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);
        var resource = Guid.NewGuid().ToString("N");
        var writer = app.Services.GetRequiredService<AuditWriter>();
        await writer.WriteAsync(new AuditActor("u-csv", "=cmd|' /C calc'!A0"), "test.csv", ResourceTypes.Audit, resource, new { note = "a,b\n\"c\"" });
        await writer.WriteAsync(new AuditActor("u-csv", "plain"), "test.csv", ResourceTypes.Audit, resource);
        await writer.WriteAsync(new AuditActor("u-csv", "other"), "test.other", ResourceTypes.Audit, resource);

        var response = await client.GetAsync($"/api/audit/export.csv?action=test.csv&resourceId={resource}", HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("attachment", response.Content.Headers.ContentDisposition?.ToString());
        var records = SplitRecords(body);
        Assert.Equal(3, records.Count); // header + two rows
        Assert.StartsWith("id,created_at,", records[0]);
        var first = AuditCsvTests.Parse(records[1]);
        Assert.Equal("'=cmd|' /C calc'!A0", first[3]);
        Assert.Equal("{\"note\": \"a,b\\n\\\"c\\\"\"}", first[7]);
        Assert.Equal("plain", AuditCsvTests.Parse(records[2])[3]);
    }

    [Fact]
    public async Task Verify_Admin_ReportsIntactChain()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Admin);

        var result = await client.GetFromJsonAsync<JsonElement>("/api/audit/verify");

        Assert.True(result.GetProperty("intact").GetBoolean());
        Assert.True(result.GetProperty("rowsChecked").GetInt64() > 0); // at least the sign-in of this test
    }

    [Fact]
    public async Task GetRow_KnownAndUnknownId_Returns200Or404Problem()
    {
        var (client, admin) = await app.SignInNewUserAsync(Roles.Admin);
        var id = await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT max(id) FROM audit_logs WHERE user_id = @u", ("u", admin.Id));

        var known = await client.GetAsync($"/api/audit/{id}");
        var unknown = await client.GetAsync($"/api/audit/{long.MaxValue}");

        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Equal(AuditActions.SignInSucceeded, (await known.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("action").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Splits CSV text into records, keeping newlines that sit inside quoted fields.</summary>
    private static List<string> SplitRecords(string csv)
    {
        var records = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < csv.Length; i++)
        {
            if (csv[i] == '"')
            {
                quoted = !quoted;
            }
            else if (csv[i] == '\n' && !quoted)
            {
                records.Add(csv[start..(i + 1)]);
                start = i + 1;
            }
        }

        Assert.Equal(csv.Length, start); // every record ends with a newline
        return records;
    }
}
