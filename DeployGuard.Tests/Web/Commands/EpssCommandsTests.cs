using System.IO.Compression;
using System.Text;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Commands;

namespace DeployGuard.Tests.Web.Commands;

/// <summary><c>epss import FILE</c> through the real executable on a fresh database.</summary>
public sealed class EpssCommandsTests
{
    [Fact]
    public async Task EpssImport_FirstsGzipFile_ImportsEveryRowAndReports()
    {
        var connection = await TestPostgres.CreateEmptyDatabaseAsync("epss");
        var file = Path.Combine(Path.GetTempPath(), $"epss_scores-{Guid.NewGuid():N}.csv.gz");
        await using (var gzip = new GZipStream(File.Create(file), CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes("#model_version:v2025.03.14,score_date:2026-11-30T12:55:00+0000\ncve,epss,percentile\n" +
                                              "CVE-2021-44228,0.94358,0.99957\nCVE-2014-0160,0.94468,0.99981\nCVE-2024-3094,0.84621,0.99345\n"));
        }

        try
        {
            var (exit, output, error) = await AppProcess.RunCommandAsync(new Dictionary<string, string> { ["ConnectionStrings:DeployGuard"] = connection },
                "epss", "import", file);

            Assert.True(exit == WebCommands.Success, error);
            Assert.Contains("Imported 3 EPSS scores (model v2025.03.14, 2026-11-30)", output);
            Assert.Equal(3L, await Sql.ScalarAsync<long>(connection, "SELECT count(*) FROM epss_scores"));
            Assert.Equal(1L, await Sql.ScalarAsync<long>(connection, "SELECT count(*) FROM audit_logs WHERE action = 'epss.imported'"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task EpssImport_NotAnEpssFile_ExitsOneNamingTheLineAndImportsNothing()
    {
        var connection = await TestPostgres.CreateEmptyDatabaseAsync("epss");
        var file = Path.Combine(Path.GetTempPath(), $"not-epss-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, "cve,epss,percentile\nCVE-2021-44228,0.9,0.9\nnot a row\n");
        try
        {
            var (exit, _, error) = await AppProcess.RunCommandAsync(new Dictionary<string, string> { ["ConnectionStrings:DeployGuard"] = connection },
                "epss", "import", file);

            Assert.Equal(WebCommands.CheckFailed, exit);
            Assert.Contains("line 3", error);
            Assert.Equal(0L, await Sql.ScalarAsync<long>(connection, "SELECT count(*) FROM epss_scores"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task EpssImport_MissingFile_UsageErrorWithoutTheApp()
    {
        var stderr = new StringWriter();

        var exit = await WebCommands.RunAsync(["epss", "import", $"/nonexistent/{Guid.NewGuid():N}.csv.gz"],
            () => throw new InvalidOperationException("a usage error must not build the app"), TextWriter.Null, stderr);

        Assert.Equal(WebCommands.UsageError, exit);
        Assert.Contains("does not exist", stderr.ToString());
    }
}
