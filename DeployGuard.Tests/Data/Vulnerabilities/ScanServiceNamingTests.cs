using DeployGuard.Data.Services.Vulnerabilities;

namespace DeployGuard.Tests.Data.Vulnerabilities;

/// <summary>The one name a triggered scan gives its scanner (parts and scanner scans alike), until its report names the tool.</summary>
public sealed class ScanServiceNamingTests
{
    [Theory]
    [InlineData("trivy image --format json --quiet {target}", "trivy")]
    [InlineData("/opt/scanners/bin/grype {target} -o json", "grype")]
    [InlineData("  /usr/local/bin/osv-scanner\t--format json {target}", "osv-scanner")]
    public void ScannerName_ConfiguredCommand_ProgramWithoutItsFolder(string command, string expected) =>
        Assert.Equal(expected, ScanService.ScannerName(command));
}
