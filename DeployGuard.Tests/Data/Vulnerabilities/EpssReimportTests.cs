using System.IO.Compression;
using System.Text;
using DeployGuard.Data;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Data.Vulnerabilities;

/// <summary>
/// FIRST publishes a new EPSS file every day, so the import replaces the table again and again. It must do that as the
/// app's least-privilege run-time role (DML only: no TRUNCATE, no CREATE, no ownership), the identity the app's data
/// services use at run time, not as the schema owner that migrates.
/// </summary>
public sealed class EpssReimportTests : IAsyncLifetime
{
    private static readonly Caller Admin = new("epss-admin", "admin@example.test", [Roles.Admin]);
    private string _connectionString = "";
    private ServiceProvider _services = default!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync("epss_reimport");
        // The data services as the app registers them (AddDataServices with the run-time and migration connections).
        _services = TestPostgres.BuildDataServices(_connectionString);
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task EpssImport_TwiceAsTheRuntimeRole_TableHoldsOnlyTheSecondFileAndFindingsAreRescored()
    {
        var first = $"CVE-2033-{Random.Shared.Next(10000, 99999)}";
        var second = $"CVE-2034-{Random.Shared.Next(10000, 99999)}";
        var dropped = $"CVE-2035-{Random.Shared.Next(10000, 99999)}";
        var added = $"CVE-2036-{Random.Shared.Next(10000, 99999)}";
        var service = await ServiceAsync();
        var imported = await _services.GetRequiredService<ReportImportService>().ImportAsync(new ImportRequest
        {
            Report = new MemoryStream(Encoding.UTF8.GetBytes(ReportImportTests.Trivy((first, "openssl", "3.0.1"), (second, "zlib", "1.2.11")))),
            ServiceId = service,
        }, Admin);
        Assert.True(imported.Succeeded, imported.Message);
        var epss = _services.GetRequiredService<EpssImportService>();

        var day1 = await epss.ImportAsync(Gzip("#model_version:v2025.03.14,score_date:2026-11-29T00:00:00+0000\ncve,epss,percentile\n" +
                                               $"{first},0.10000,0.50000\n{second},0.20000,0.60000\n{dropped},0.30000,0.70000\n"), Admin);
        var afterDay1 = await ScoresAsync(service);
        var day2 = await epss.ImportAsync(Gzip("#model_version:v2025.03.14,score_date:2026-11-30T00:00:00+0000\ncve,epss,percentile\n" +
                                               $"{first},0.91234,0.99876\n{second},0.00420,0.11000\n{added},0.55000,0.90000\n"), Admin);
        var afterDay2 = await ScoresAsync(service);

        // The identity it ran as is the app's run-time role, and that role is as narrow as it should be.
        await using (var db = await _services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync())
        {
            var role = await db.Database.SqlQuery<RoleRights>($"""
                SELECT current_user AS "Name", r.rolsuper AS "Superuser",
                       has_table_privilege('epss_scores', 'TRUNCATE') AS "Truncate", has_schema_privilege('public', 'CREATE') AS "Create",
                       pg_get_userbyid(c.relowner) = current_user AS "Owner"
                FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'public.epss_scores'::regclass
                """).SingleAsync();
            Assert.Equal(new RoleRights(TestPostgres.AppRole, false, false, false, false), role);
        }

        Assert.True(day1.Succeeded, day1.Message);
        Assert.True(day2.Succeeded, day2.Message);
        Assert.Equal((3, new DateOnly(2026, 11, 30)), (day2.Value!.Rows, day2.Value.ScoreDate));
        Assert.Equal(2, day2.Value.FindingsRescored);
        Assert.Equal([$"{first} 0.91234 0.99876", $"{second} 0.0042 0.11", $"{added} 0.55 0.9"],
            await Sql.ListAsync<string>(_connectionString, "SELECT cve || ' ' || epss || ' ' || percentile FROM epss_scores ORDER BY cve"));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(_connectionString, "SELECT count(DISTINCT score_date) FROM epss_scores"));
        Assert.Equal((0.1, 0.5), afterDay1[first]);
        Assert.Equal((0.2, 0.6), afterDay1[second]);
        Assert.Equal((0.91234, 0.99876), afterDay2[first]);
        Assert.Equal((0.0042, 0.11), afterDay2[second]);
        Assert.Equal(2L, await Sql.ScalarAsync<long>(_connectionString, "SELECT count(*) FROM audit_logs WHERE action = 'epss.imported'"));
    }

    private sealed record RoleRights(string Name, bool Superuser, bool Truncate, bool Create, bool Owner);

    private async Task<Dictionary<string, (double Epss, double Percentile)>> ScoresAsync(Guid service)
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        var rows = await db.VulnerabilityFindings.AsNoTracking().Where(f => f.ServiceId == service)
            .Select(f => new { f.CveId, f.EpssScore, f.EpssPercentile, f.EpssPredicted, f.EpssSource }).ToListAsync();
        Assert.All(rows, r => Assert.Equal(("first", false), (r.EpssSource, r.EpssPredicted)));
        return rows.ToDictionary(r => r.CveId!, r => (r.EpssScore!.Value, r.EpssPercentile!.Value));
    }

    private async Task<Guid> ServiceAsync()
    {
        var result = await _services.GetRequiredService<ServiceCatalogService>().CreateAsync(new ServiceInput { Name = $"epss-{Guid.NewGuid():N}"[..20] }, Admin);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.Id;
    }

    private static MemoryStream Gzip(string text)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        buffer.Position = 0;
        return buffer;
    }
}
