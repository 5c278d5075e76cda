using System.Text;
using System.Text.Json;

namespace DeployGuard.Tests.Bench;

/// <summary>Large scanner reports shaped like the real ones (field for field as in the shared fixtures), for benchmarks.</summary>
internal static class GeneratedReports
{
    private static readonly string[] Severities = ["CRITICAL", "HIGH", "MEDIUM", "MEDIUM", "LOW", "LOW", "LOW"];
    private static readonly string[] Vectors =
    [
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
        "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
    ];

    /// <summary>A Trivy image report: <paramref name="targets"/> results × <paramref name="perTarget"/> vulnerabilities.</summary>
    public static byte[] Trivy(int targets, int perTarget, int seed = 0)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("SchemaVersion", 2);
            json.WriteString("ArtifactName", "bench/app:1.0");
            json.WriteString("ArtifactType", "container_image");
            json.WriteStartArray("Results");
            var n = 0;
            for (var t = 0; t < targets; t++)
            {
                json.WriteStartObject();
                json.WriteString("Target", $"usr/lib/app{t}/package-lock.json");
                json.WriteString("Class", "lang-pkgs");
                json.WriteString("Type", "npm");
                json.WriteStartArray("Vulnerabilities");
                for (var i = 0; i < perTarget; i++, n++)
                {
                    var id = $"CVE-{2015 + n % 10}-{10000 + (n + seed) % 90000}";
                    json.WriteStartObject();
                    json.WriteString("VulnerabilityID", id);
                    json.WriteString("PkgID", $"pkg{n % 5000}@1.{n % 7}.{n % 13}");
                    json.WriteString("PkgName", $"pkg{n % 5000}");
                    json.WriteString("InstalledVersion", $"1.{n % 7}.{n % 13}");
                    json.WriteString("FixedVersion", $"1.{n % 7}.{n % 13 + 1}");
                    json.WriteString("Status", "fixed");
                    json.WriteString("SeveritySource", "nvd");
                    json.WriteString("PrimaryURL", $"https://avd.aquasec.com/nvd/{id.ToLowerInvariant()}");
                    json.WriteString("Title", $"pkg{n % 5000}: denial of service in the parser of version 1.{n % 7}");
                    json.WriteString("Description", "A crafted input makes the parser loop for a long time, which lets a remote attacker exhaust the CPU of the "
                                                    + "process that reads it. Versions before the fixed version are affected; no configuration change avoids it.");
                    json.WriteString("Severity", Severities[n % Severities.Length]);
                    json.WriteStartArray("CweIDs");
                    json.WriteStringValue(n % 3 == 0 ? "CWE-400" : "CWE-79");
                    json.WriteEndArray();
                    json.WriteStartObject("CVSS");
                    json.WriteStartObject("nvd");
                    json.WriteString("V3Vector", Vectors[n % Vectors.Length]);
                    json.WriteEndObject();
                    json.WriteEndObject();
                    json.WriteStartArray("References");
                    json.WriteStringValue($"https://nvd.nist.gov/vuln/detail/{id}");
                    json.WriteEndArray();
                    json.WriteString("PublishedDate", "2021-06-29T11:15:00Z");
                    json.WriteString("LastModifiedDate", "2022-12-08T20:34:00Z");
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A SARIF log of <paramref name="results"/> results over 200 rules, fingerprinted like CodeQL's.</summary>
    public static byte[] Sarif(int results, int seed = 0)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            json.WriteStartObject();
            json.WriteStartObject("tool");
            json.WriteStartObject("driver");
            json.WriteString("name", "CodeQL");
            json.WriteString("semanticVersion", "2.15.0");
            json.WriteStartArray("rules");
            for (var r = 0; r < 200; r++)
            {
                json.WriteStartObject();
                json.WriteString("id", $"js/rule-{r}");
                json.WriteString("name", $"Rule{r}");
                json.WriteStartObject("shortDescription");
                json.WriteString("text", $"Unsafe use number {r}");
                json.WriteEndObject();
                json.WriteStartObject("fullDescription");
                json.WriteString("text", "Building a query from user-controlled sources is vulnerable to insertion of malicious code by the user.");
                json.WriteEndObject();
                json.WriteStartObject("properties");
                json.WriteString("security-severity", (r % 10 + 0.5).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
                json.WriteStartArray("tags");
                json.WriteStringValue("security");
                json.WriteStringValue($"external/cwe/cwe-{89 + r % 5}");
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartArray("results");
            for (var i = 0; i < results; i++)
            {
                json.WriteStartObject();
                json.WriteString("ruleId", $"js/rule-{i % 200}");
                json.WriteNumber("ruleIndex", i % 200);
                json.WriteStartObject("message");
                json.WriteString("text", $"This query depends on a user-provided value ({i}).");
                json.WriteEndObject();
                json.WriteStartArray("locations");
                json.WriteStartObject();
                json.WriteStartObject("physicalLocation");
                json.WriteStartObject("artifactLocation");
                json.WriteString("uri", $"src/module{i % 400}/file{i % 97}.js");
                json.WriteEndObject();
                json.WriteStartObject("region");
                json.WriteNumber("startLine", 10 + i % 500);
                json.WriteNumber("startColumn", 5);
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteStartObject("partialFingerprints");
                json.WriteString("primaryLocationLineHash", $"{(i + seed) * 2654435761L % 0xFFFFFFFFFFFF:x12}:1");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>FIRST's daily EPSS file, gzip-compressed: the comment line, the header, then <paramref name="rows"/> CVEs.</summary>
    public static byte[] EpssCsvGz(int rows)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new StreamWriter(gzip, new UTF8Encoding(false)))
        {
            writer.Write("#model_version:v2025.03.14,score_date:2026-11-30T12:55:00Z\ncve,epss,percentile\n");
            for (var i = 0; i < rows; i++)
            {
                var year = 1999 + i % 28;
                var epss = Math.Round(Math.Pow((i * 7919L % 100_000) / 100_000.0, 6), 5);
                writer.Write($"CVE-{year}-{10000 + i},{epss.ToString("0.00000", System.Globalization.CultureInfo.InvariantCulture)},"
                             + $"{((i * 7919L % 100_000) / 100_000.0).ToString("0.00000", System.Globalization.CultureInfo.InvariantCulture)}\n");
            }
        }

        return buffer.ToArray();
    }
}
