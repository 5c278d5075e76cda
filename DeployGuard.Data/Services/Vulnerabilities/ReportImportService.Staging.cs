using System.Buffers;
using System.Text;
using System.Text.Json;
using DeployGuard.Data.Entities;
using DeployGuard.Scanning;
using DeployGuard.Scanning.Reports;
using DeployGuard.Scanning.Vulnerabilities;
using Npgsql;
using NpgsqlTypes;

namespace DeployGuard.Data.Services.Vulnerabilities;

/// <summary>The set-based half of an import: the staging table, the COPY into it, and the merge out of it.</summary>
public sealed partial class ReportImportService
{
    private sealed record MergeCounts(int Findings, int New, int Unchanged, int Reopened, int Fixed, int Suppressed, IReadOnlyDictionary<string, int> BySeverity);

    private const string StageColumns =
        "ord, identity, kind, vulnerability_id, cve_id, package_name, package_version, package_type, purl, path, line, target, severity, " +
        "severity_rank, cvss_score, cvss_vector, cvss_computed, epss, epss_percentile, epss_estimate, known_exploited, fixed_versions, " +
        "fix_available, direct, title, message, suppressed, suppression_reason, description, url, cwes, aliases, published, details";

    private static async Task CreateStageAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            CREATE TEMP TABLE import_stage (
                ord int, identity text, kind text, vulnerability_id text, cve_id text, package_name text, package_version text,
                package_type text, purl text, path text, line int, target text, severity text, severity_rank smallint,
                cvss_score double precision, cvss_vector text, cvss_computed boolean, epss double precision, epss_percentile double precision,
                epss_estimate double precision, known_exploited boolean, fixed_versions text, fix_available boolean, direct boolean,
                title text, message text, suppressed boolean, suppression_reason text, description text, url text, cwes text, aliases text,
                published timestamptz, details text
            ) ON COMMIT DROP
            """, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Parses the report straight into the staging table; returns the secrets, which take the secret path.</summary>
    private static async Task<List<Finding>> StageAsync(NpgsqlConnection connection, ParsedReport report, CancellationToken ct)
    {
        var secrets = new List<Finding>();
        var details = new ArrayBufferWriter<byte>(1024);
        await using var importer = await connection.BeginBinaryImportAsync($"COPY import_stage ({StageColumns}) FROM STDIN (FORMAT BINARY)", ct);
        var ord = 0;
        foreach (var r in report.Results)
        {
            if (r.Kind == ResultKind.Secret)
            {
                if (r.Secret is not null)
                {
                    secrets.Add(r.Suppressed ? r.Secret with { Suppression = new Suppression(SuppressionKind.Baseline, r.SuppressionReason ?? "suppressed in the report") } : r.Secret);
                }

                continue;
            }

            var cve = CveOf(r);
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(ord++, NpgsqlDbType.Integer, ct);
            await importer.WriteAsync(r.Identity, NpgsqlDbType.Text, ct);
            await importer.WriteAsync(KindName(r.Kind), NpgsqlDbType.Text, ct);
            await Text(importer, Clip(r.RuleId, 200), ct);
            await Text(importer, cve, ct);
            await Text(importer, Clip(r.PackageName, 300), ct);
            await Text(importer, Clip(r.PackageVersion, 200), ct);
            await Text(importer, Clip(r.PackageType, 50), ct);
            await Text(importer, Clip(r.Purl, 500), ct);
            await Text(importer, Clip(r.Path, 500), ct);
            await Nullable(importer, r.Line, NpgsqlDbType.Integer, ct);
            await Text(importer, Clip(r.Target, 500), ct);
            await importer.WriteAsync(Severities.Name(r.Severity), NpgsqlDbType.Text, ct);
            await importer.WriteAsync((short)r.Severity, NpgsqlDbType.Smallint, ct);
            await Nullable(importer, r.Cvss?.BaseScore, NpgsqlDbType.Double, ct);
            await Text(importer, Clip(r.Cvss?.Vector, 200), ct);
            await importer.WriteAsync(r.Cvss?.Computed ?? false, NpgsqlDbType.Boolean, ct);
            await Nullable(importer, r.Epss, NpgsqlDbType.Double, ct);
            await Nullable(importer, r.EpssPercentile, NpgsqlDbType.Double, ct);
            await Nullable(importer, cve is null ? null : EpssEstimator.Estimate(r.Cvss?.Vector, r.Cvss?.BaseScore, r.Cwes, r.KnownExploited),
                NpgsqlDbType.Double, ct);
            await importer.WriteAsync(r.KnownExploited, NpgsqlDbType.Boolean, ct);
            await Text(importer, r.FixedVersions.Count == 0 ? null : Clip(string.Join(", ", r.FixedVersions), 500), ct);
            await importer.WriteAsync(r.FixAvailable, NpgsqlDbType.Boolean, ct);
            await Nullable(importer, r.Direct, NpgsqlDbType.Boolean, ct);
            await Text(importer, Clip(r.Title, 500), ct);
            await Text(importer, Clip(r.Message, 2000), ct);
            await importer.WriteAsync(r.Suppressed, NpgsqlDbType.Boolean, ct);
            await Text(importer, Clip(r.SuppressionReason, 500), ct);
            await Text(importer, Clip(r.Description, 4000), ct);
            await Text(importer, Clip(r.Url, 500), ct);
            await Text(importer, r.Cwes.Count == 0 ? null : Clip(string.Join(",", r.Cwes), 200), ct);
            await Text(importer, r.Aliases.Count == 0 ? null : Clip(string.Join(",", r.Aliases), 500), ct);
            await Nullable(importer, r.Published?.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
            await importer.WriteAsync(Details(r, details), NpgsqlDbType.Text, ct);
        }

        await importer.CompleteAsync(ct);
        return secrets;
    }

    private static async Task<MergeCounts> MergeAsync(NpgsqlConnection connection, Scan scan, Guid? serviceId, DateTimeOffset now, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection);
        void Add(string sql) => batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        // One row per identity: a report may list a finding twice (Grype matching one package by two matchers).
        Add("""
            CREATE TEMP TABLE import_distinct ON COMMIT DROP AS
            SELECT DISTINCT ON (s.identity) s.*, e.epss AS first_epss, e.percentile AS first_percentile
            FROM import_stage s LEFT JOIN epss_scores e ON e.cve = s.cve_id
            ORDER BY s.identity, s.ord
            """);
        Add("ANALYZE import_distinct");
        Add("""
            CREATE TEMP TABLE import_matched ON COMMIT DROP AS
            SELECT d.identity, f.id, f.status
            FROM import_distinct d
            JOIN vulnerability_findings f ON f.scope_key = $1 AND f.scanner = $2 AND f.identity = d.identity
            """);
        Add("""
            UPDATE vulnerability_findings f SET
                last_seen_at = $4, last_scan_id = $3, service_id = $5, target = COALESCE(NULLIF(d.target, ''), $6),
                severity = d.severity, severity_rank = d.severity_rank, cvss_score = d.cvss_score, cvss_vector = d.cvss_vector,
                cvss_computed = d.cvss_computed,
                epss_score = COALESCE(d.epss, d.first_epss, d.epss_estimate), epss_percentile = COALESCE(d.epss_percentile, d.first_percentile),
                epss_source = CASE WHEN d.epss IS NOT NULL THEN 'report' WHEN d.first_epss IS NOT NULL THEN 'first'
                                   WHEN d.epss_estimate IS NOT NULL THEN 'estimate' END,
                epss_predicted = d.epss IS NULL AND d.first_epss IS NULL AND d.epss_estimate IS NOT NULL,
                known_exploited = d.known_exploited, fixed_versions = d.fixed_versions, fix_available = d.fix_available, direct = d.direct,
                title = d.title, message = d.message, suppressed = d.suppressed, suppression_reason = d.suppression_reason,
                line = d.line, path = d.path, purl = d.purl, package_type = d.package_type,
                status = CASE WHEN f.status = 'fixed' THEN 'open' ELSE f.status END,
                fixed_at = CASE WHEN f.status = 'fixed' THEN NULL ELSE f.fixed_at END,
                status_reason = CASE WHEN f.status = 'fixed' THEN 'Reported again by scan ' || $3::text ELSE f.status_reason END,
                status_changed_by = CASE WHEN f.status = 'fixed' THEN 'system' ELSE f.status_changed_by END,
                status_changed_at = CASE WHEN f.status = 'fixed' THEN $4 ELSE f.status_changed_at END
            FROM import_distinct d
            WHERE f.scope_key = $1 AND f.scanner = $2 AND f.identity = d.identity
            """);
        Add("""
            INSERT INTO vulnerability_findings (id, scope_key, scanner, identity, service_id, target, kind, vulnerability_id, cve_id, package_name,
                package_version, package_type, purl, path, line, severity, severity_rank, cvss_score, cvss_vector, cvss_computed, epss_score,
                epss_percentile, epss_predicted, epss_source, known_exploited, fixed_versions, fix_available, direct, title, message, status,
                suppressed, suppression_reason, first_seen_at, last_seen_at, first_scan_id, last_scan_id)
            SELECT gen_random_uuid(), $1, $2, d.identity, $5, COALESCE(NULLIF(d.target, ''), $6), d.kind, d.vulnerability_id, d.cve_id,
                d.package_name, d.package_version, d.package_type, d.purl, d.path, d.line, d.severity, d.severity_rank, d.cvss_score,
                d.cvss_vector, d.cvss_computed, COALESCE(d.epss, d.first_epss, d.epss_estimate), COALESCE(d.epss_percentile, d.first_percentile),
                d.epss IS NULL AND d.first_epss IS NULL AND d.epss_estimate IS NOT NULL,
                CASE WHEN d.epss IS NOT NULL THEN 'report' WHEN d.first_epss IS NOT NULL THEN 'first' WHEN d.epss_estimate IS NOT NULL THEN 'estimate' END,
                d.known_exploited, d.fixed_versions, d.fix_available, d.direct, d.title, d.message, 'open', d.suppressed, d.suppression_reason,
                $4, $4, $3, $3
            FROM import_distinct d
            WHERE NOT EXISTS (SELECT 1 FROM import_matched m WHERE m.identity = d.identity)
            """);
        // What this scanner no longer reports in this scope is fixed; a fixed accepted risk's acceptance ends with it.
        Add("""
            CREATE TEMP TABLE import_fixed ON COMMIT DROP AS
            WITH fixed AS (
                UPDATE vulnerability_findings f
                SET status = 'fixed', fixed_at = $4, status_reason = 'Not reported by scan ' || $3::text, status_changed_by = 'system',
                    status_changed_at = $4
                WHERE f.scope_key = $1 AND f.scanner = $2 AND f.status IN ('open', 'accepted_risk') AND f.last_scan_id <> $3
                RETURNING f.id)
            SELECT id FROM fixed
            """);
        Add("""
            UPDATE risk_acceptances r SET ended_at = $4, end_reason = 'fixed'
            FROM import_fixed x WHERE r.vulnerability_finding_id = x.id AND r.ended_at IS NULL
            """);
        Add("""
            INSERT INTO vulnerabilities (id, scan_id, finding_id, cve_id, package_name, package_version, severity, cvss_score, epss_score,
                epss_predicted, cve_details, change, created_at)
            SELECT gen_random_uuid(), $3, f.id, d.vulnerability_id, d.package_name, d.package_version, upper(d.severity), d.cvss_score,
                f.epss_score, f.epss_predicted, d.details::json,
                CASE WHEN m.id IS NULL THEN 'new' WHEN m.status = 'fixed' THEN 'reopened' ELSE 'unchanged' END, $4
            FROM import_distinct d
            JOIN vulnerability_findings f ON f.scope_key = $1 AND f.scanner = $2 AND f.identity = d.identity
            LEFT JOIN import_matched m ON m.identity = d.identity
            """);
        // Text about a vulnerability or rule, once per id; later reports only fill gaps.
        Add("""
            INSERT INTO vulnerability_details (id, title, description, url, cwes, aliases, cvss_vector, cvss_score, published_at, updated_at)
            SELECT DISTINCT ON (d.vulnerability_id) d.vulnerability_id, d.title, d.description, d.url, d.cwes, d.aliases, d.cvss_vector,
                d.cvss_score, d.published, $4
            FROM import_distinct d
            ORDER BY d.vulnerability_id, d.ord
            ON CONFLICT (id) DO UPDATE SET
                title = COALESCE(vulnerability_details.title, EXCLUDED.title),
                description = COALESCE(vulnerability_details.description, EXCLUDED.description),
                url = COALESCE(vulnerability_details.url, EXCLUDED.url),
                cwes = COALESCE(vulnerability_details.cwes, EXCLUDED.cwes),
                aliases = COALESCE(vulnerability_details.aliases, EXCLUDED.aliases),
                cvss_vector = COALESCE(vulnerability_details.cvss_vector, EXCLUDED.cvss_vector),
                cvss_score = COALESCE(vulnerability_details.cvss_score, EXCLUDED.cvss_score),
                published_at = COALESCE(vulnerability_details.published_at, EXCLUDED.published_at),
                updated_at = EXCLUDED.updated_at
            WHERE (vulnerability_details.description IS NULL AND EXCLUDED.description IS NOT NULL)
               OR (vulnerability_details.title IS NULL AND EXCLUDED.title IS NOT NULL)
               OR (vulnerability_details.cvss_vector IS NULL AND EXCLUDED.cvss_vector IS NOT NULL)
            """);
        Add("""
            SELECT (SELECT count(*) FROM import_distinct)::int, (SELECT count(*) FROM import_matched)::int,
                   (SELECT count(*) FROM import_matched WHERE status = 'fixed')::int, (SELECT count(*) FROM import_fixed)::int,
                   (SELECT count(*) FROM import_distinct WHERE suppressed)::int
            """);
        Add("SELECT severity, count(*)::int FROM import_distinct WHERE NOT suppressed GROUP BY severity");
        foreach (NpgsqlBatchCommand command in batch.BatchCommands)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = scan.ScopeKey, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = scan.Scanner!, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = scan.Id, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)serviceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter { Value = scan.Target, NpgsqlDbType = NpgsqlDbType.Text });
        }

        // Each statement gets only the parameters it refers to.
        foreach (NpgsqlBatchCommand command in batch.BatchCommands)
        {
            TrimParameters(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (findings, matched, reopened, fixedCount, suppressed) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        await reader.NextResultAsync(ct);
        var bySeverity = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            bySeverity[reader.GetString(0)] = reader.GetInt32(1);
        }

        return new MergeCounts(findings, findings - matched, matched - reopened, reopened, fixedCount, suppressed, bySeverity);
    }

    /// <summary>Keeps only the positional parameters a statement refers to ($1..$6), in order.</summary>
    private static void TrimParameters(NpgsqlBatchCommand command)
    {
        var highest = 0;
        for (var i = 1; i <= 6; i++)
        {
            if (command.CommandText.Contains("$" + i, StringComparison.Ordinal))
            {
                highest = i;
            }
        }

        while (command.Parameters.Count > highest)
        {
            command.Parameters.RemoveAt(command.Parameters.Count - 1);
        }
    }

    private static string? CveOf(ReportResult r) =>
        r.Kind != ResultKind.Vulnerability ? null
        : r.RuleId.StartsWith("CVE-", StringComparison.OrdinalIgnoreCase) ? r.RuleId.ToUpperInvariant()
        : r.Aliases.FirstOrDefault(a => a.StartsWith("CVE-", StringComparison.OrdinalIgnoreCase))?.ToUpperInvariant();

    private static string KindName(ResultKind kind) => kind switch
    {
        ResultKind.Vulnerability => "vulnerability",
        ResultKind.Misconfiguration => "misconfiguration",
        _ => "code_issue",
    };

    private static string Details(ReportResult r, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", KindName(r.Kind));
            WriteIf(json, "title", r.Title);
            WriteIf(json, "target", r.Target);
            WriteIf(json, "path", r.Path);
            if (r.Line is { } line)
            {
                json.WriteNumber("line", line);
            }

            WriteIf(json, "package_type", r.PackageType);
            WriteIf(json, "purl", r.Purl);
            if (r.FixedVersions.Count > 0)
            {
                json.WriteStartArray("fixed_versions");
                foreach (var version in r.FixedVersions)
                {
                    json.WriteStringValue(version);
                }

                json.WriteEndArray();
            }

            WriteIf(json, "cvss_vector", r.Cvss?.Vector);
            WriteIf(json, "cvss_version", r.Cvss?.Version);
            WriteIf(json, "cwes", r.Cwes.Count == 0 ? null : string.Join(",", r.Cwes));
            WriteIf(json, "source_severity", r.SourceSeverity);
            if (r.Suppressed)
            {
                json.WriteString("suppressed", r.SuppressionReason ?? "suppressed in the report");
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteIf(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json.WriteString(name, value);
        }
    }

    private static string? Clip(string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    private static Task Text(NpgsqlBinaryImporter importer, string? value, CancellationToken ct) =>
        value is null ? importer.WriteNullAsync(ct) : importer.WriteAsync(value, NpgsqlDbType.Text, ct);

    private static Task Nullable<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct =>
        value is { } v ? importer.WriteAsync(v, type, ct) : importer.WriteNullAsync(ct);
}
