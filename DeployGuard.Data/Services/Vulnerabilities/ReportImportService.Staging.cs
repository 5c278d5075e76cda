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

    /// <summary>What the staging saw: the secrets (they take the secret path) and the counts of the staged findings.</summary>
    private sealed record Staged(List<Finding> Secrets, int Findings, int Suppressed, Dictionary<string, int> BySeverity);

    private const string StageColumns =
        "identity, new_id, occurrence_id, first_of_id, kind, vulnerability_id, cve_id, package_name, package_version, package_type, purl, " +
        "path, line, target, severity, severity_rank, cvss_score, cvss_vector, cvss_computed, epss, epss_percentile, epss_estimate, " +
        "known_exploited, fixed_versions, fix_available, direct, title, message, suppressed, suppression_reason, description, url, cwes, " +
        "aliases, published, details";

    // The staging table is an unlogged table of its own schema (migration VulnerabilityManagement), not a temporary
    // one: the run-time role may not create temporary tables (one could shadow audit_logs for its session). Rows go in
    // and out within the import's transaction, so no other import ever sees them (MVCC), and none stay behind.
    private const string Stage = "import_work.import_stage";

    private static async Task CreateStageAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        // Wide rows sort and hash in memory rather than on disk.
        await using var command = new NpgsqlCommand("SET LOCAL work_mem = '64MB'", connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Empties the staging table of this transaction's rows (the only ones it can see) before it commits.</summary>
    private static async Task ClearStageAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"DELETE FROM {Stage}", connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Parses the report straight into the staging table, one row per identity (the report's first occurrence wins),
    /// with time-ordered ids so the inserts append to the primary keys, and counts what it staged.
    /// </summary>
    private static async Task<Staged> StageAsync(NpgsqlConnection connection, ParsedReport report, CancellationToken ct)
    {
        var secrets = new List<Finding>();
        var details = new ArrayBufferWriter<byte>(1024);
        // One writer for every row's details (Reset between rows) rather than one per row.
        await using var detailsWriter = new Utf8JsonWriter(details);
        var identities = new HashSet<Guid>();
        var vulnerabilityIds = new HashSet<string>(StringComparer.Ordinal);
        var bySeverity = new Dictionary<string, int>(StringComparer.Ordinal);
        var suppressed = 0;
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {Stage} ({StageColumns}) FROM STDIN (FORMAT BINARY)", ct);
        var staged = 0;
        var ids = new SequentialIds();
        // The EPSS estimate depends only on these four, which few distinct values cover in a report: computed once each.
        var estimates = new Dictionary<(string? Vector, double? Score, string? Cwes, bool KnownExploited), double?>();
        // Synchronous writes: they only buffer, and an await per value would cost more than the values.
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

            // Identity hashes its key on every read: read it once per result.
            var identity = Guid.ParseExact(r.Identity, "N");
            if (!identities.Add(identity))
            {
                continue; // a second occurrence of the same finding in this report
            }

            var severity = Severities.Name(r.Severity);
            if (r.Suppressed)
            {
                suppressed++;
            }
            else
            {
                bySeverity[severity] = bySeverity.GetValueOrDefault(severity) + 1;
            }

            var ruleId = Clip(r.RuleId, 200)!;
            var firstOfId = vulnerabilityIds.Add(ruleId);
            var cve = CveOf(r);
            var cwes = r.Cwes.Count == 0 ? null : string.Join(",", r.Cwes);
            double? estimate = null;
            if (cve is not null)
            {
                var key = (r.Cvss?.Vector, r.Cvss?.BaseScore, cwes, r.KnownExploited);
                if (!estimates.TryGetValue(key, out estimate))
                {
                    estimate = EpssEstimator.Estimate(r.Cvss?.Vector, r.Cvss?.BaseScore, r.Cwes, r.KnownExploited);
                    estimates[key] = estimate;
                }
            }

            staged++;
            importer.StartRow();
            importer.Write(identity, NpgsqlDbType.Uuid);
            importer.Write(ids.Next(), NpgsqlDbType.Uuid);
            importer.Write(ids.Next(), NpgsqlDbType.Uuid);
            importer.Write(firstOfId, NpgsqlDbType.Boolean);
            importer.Write(KindName(r.Kind), NpgsqlDbType.Text);
            importer.Write(ruleId, NpgsqlDbType.Text);
            Text(importer, cve);
            Text(importer, Clip(r.PackageName, 300));
            Text(importer, Clip(r.PackageVersion, 200));
            Text(importer, Clip(r.PackageType, 50));
            Text(importer, Clip(r.Purl, 500));
            Text(importer, Clip(r.Path, 500));
            Nullable(importer, r.Line, NpgsqlDbType.Integer);
            Text(importer, Clip(r.Target, 500));
            importer.Write(severity, NpgsqlDbType.Text);
            importer.Write((short)r.Severity, NpgsqlDbType.Smallint);
            Nullable(importer, r.Cvss?.BaseScore, NpgsqlDbType.Double);
            Text(importer, Clip(r.Cvss?.Vector, 200));
            importer.Write(r.Cvss?.Computed ?? false, NpgsqlDbType.Boolean);
            Nullable(importer, r.Epss, NpgsqlDbType.Double);
            Nullable(importer, r.EpssPercentile, NpgsqlDbType.Double);
            Nullable(importer, estimate, NpgsqlDbType.Double);
            importer.Write(r.KnownExploited, NpgsqlDbType.Boolean);
            Text(importer, r.FixedVersions.Count == 0 ? null : Clip(string.Join(", ", r.FixedVersions), 500));
            importer.Write(r.FixAvailable, NpgsqlDbType.Boolean);
            Nullable(importer, r.Direct, NpgsqlDbType.Boolean);
            Text(importer, Clip(r.Title, 500));
            Text(importer, Clip(r.Message, 2000));
            importer.Write(r.Suppressed, NpgsqlDbType.Boolean);
            Text(importer, Clip(r.SuppressionReason, 500));
            // The text about the id (description, url, cwes, aliases, published) travels once per id: only its first row feeds
            // vulnerability_details.
            Text(importer, firstOfId ? Clip(r.Description, 4000) : null);
            Text(importer, firstOfId ? Clip(r.Url, 500) : null);
            Text(importer, firstOfId ? Clip(cwes, 200) : null);
            Text(importer, firstOfId && r.Aliases.Count > 0 ? Clip(string.Join(",", r.Aliases), 500) : null);
            Nullable(importer, firstOfId ? r.Published?.ToUniversalTime() : null, NpgsqlDbType.TimestampTz);
            importer.Write(Details(r, cwes, details, detailsWriter), NpgsqlDbType.Text);
        }

        await importer.CompleteAsync(ct);
        return new Staged(secrets, staged, suppressed, bySeverity);
    }

    private static async Task<MergeCounts> MergeAsync(NpgsqlConnection connection, Scan scan, Guid? serviceId, DateTimeOffset now, Staged staged,
        CancellationToken ct)
    {
        // The scope (service or target, and scanner) and its previous scan: what "still reported" and "fixed" are relative to.
        await using var scope = new NpgsqlCommand("""
            INSERT INTO finding_scopes (scope_key, scanner, service_id, target) VALUES ($1, $2, $3, $4)
            ON CONFLICT (scope_key, scanner) DO UPDATE SET service_id = EXCLUDED.service_id
            RETURNING id, last_scan_id, last_seen_at
            """, connection);
        scope.Parameters.Add(new NpgsqlParameter { Value = scan.ScopeKey, NpgsqlDbType = NpgsqlDbType.Text });
        scope.Parameters.Add(new NpgsqlParameter { Value = scan.Scanner!, NpgsqlDbType = NpgsqlDbType.Text });
        scope.Parameters.Add(new NpgsqlParameter { Value = (object?)serviceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        scope.Parameters.Add(new NpgsqlParameter { Value = scan.Target, NpgsqlDbType = NpgsqlDbType.Text });
        long scopeId;
        object previousScan, previousSeen;
        await using (var row = await scope.ExecuteReaderAsync(ct))
        {
            await row.ReadAsync(ct);
            scopeId = row.GetInt64(0);
            previousScan = row.IsDBNull(1) ? DBNull.Value : row.GetGuid(1);
            previousSeen = row.IsDBNull(2) ? DBNull.Value : row.GetFieldValue<DateTimeOffset>(2);
        }

        // Parameters of every statement below: $1 scope, $2 its previous scan, $3 this scan, $4 now, $5 service, $6 target,
        // $7 when the scope was last seen before.
        const string Epss = "COALESCE(k.epss, k.first_epss, k.epss_estimate)";
        const string Predicted = "(k.epss IS NULL AND k.first_epss IS NULL AND k.epss_estimate IS NOT NULL)";
        await using var batch = new NpgsqlBatch(connection);
        void Add(string sql) => batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        // The whole merge is one statement over one pass of the staging table: per staged finding, the scope's existing
        // finding with that identity, FIRST's EPSS for its CVE, and whether anything about a known finding changed
        // (materialized once); then, each reading only that, the changed known findings are rewritten (an unchanged
        // re-import writes none), what the scope reported last time and not now is swept to fixed, the new findings and
        // the scan's own rows go in. The parts touch disjoint rows (known and reported again / known and not reported /
        // new), so they can share the statement's snapshot; the sweep cannot see this statement's new findings.
        Add($"""
            WITH matched AS MATERIALIZED (
                SELECT s.identity, s.new_id, s.occurrence_id, f.id AS existing_id, f.status AS existing_status,
                       e.epss AS first_epss, e.percentile AS first_percentile,
                       -- Only a known finding can have changed: a new one (most rows of a first import) skips the comparisons.
                       (f.id IS NOT NULL AND (NOT f.reported OR f.status = 'fixed' OR f.service_id IS DISTINCT FROM $5
                        OR f.target IS DISTINCT FROM COALESCE(NULLIF(s.target, ''), $6) OR f.severity IS DISTINCT FROM s.severity
                        OR f.cvss_score IS DISTINCT FROM s.cvss_score OR f.cvss_vector IS DISTINCT FROM s.cvss_vector
                        OR f.epss_score IS DISTINCT FROM COALESCE(s.epss, e.epss, s.epss_estimate)
                        OR f.epss_predicted IS DISTINCT FROM (s.epss IS NULL AND e.epss IS NULL AND s.epss_estimate IS NOT NULL)
                        OR f.known_exploited IS DISTINCT FROM s.known_exploited OR f.fixed_versions IS DISTINCT FROM s.fixed_versions
                        OR f.direct IS DISTINCT FROM s.direct OR f.title IS DISTINCT FROM s.title OR f.message IS DISTINCT FROM s.message
                        OR f.suppressed IS DISTINCT FROM s.suppressed OR f.line IS DISTINCT FROM s.line OR f.path IS DISTINCT FROM s.path
                        OR f.details::text IS DISTINCT FROM s.details))
                       AS changed,
                       s.kind, s.vulnerability_id, s.cve_id, s.package_name, s.package_version, s.target, s.severity, s.severity_rank,
                       s.cvss_score, s.cvss_vector, s.cvss_computed, s.epss, s.epss_percentile, s.epss_estimate, s.known_exploited,
                       s.fixed_versions, s.fix_available, s.direct, s.title, s.message, s.suppressed, s.suppression_reason, s.line, s.path,
                       s.purl, s.package_type, s.details
                FROM {Stage} s
                LEFT JOIN vulnerability_findings f ON f.scope_id = $1 AND f.identity = s.identity
                LEFT JOIN epss_scores e ON e.cve = s.cve_id),
            changed AS (
                UPDATE vulnerability_findings f SET
                    reported = true, last_seen_at = $4, last_scan_id = $3, service_id = $5, target = COALESCE(NULLIF(k.target, ''), $6),
                    severity = k.severity, severity_rank = k.severity_rank, cvss_score = k.cvss_score, cvss_vector = k.cvss_vector,
                    cvss_computed = k.cvss_computed, epss_score = {Epss}, epss_percentile = COALESCE(k.epss_percentile, k.first_percentile),
                    epss_source = CASE WHEN k.epss IS NOT NULL THEN 'report' WHEN k.first_epss IS NOT NULL THEN 'first'
                                       WHEN k.epss_estimate IS NOT NULL THEN 'estimate' END,
                    epss_predicted = {Predicted}, known_exploited = k.known_exploited,
                    fixed_versions = k.fixed_versions, fix_available = k.fix_available, direct = k.direct, title = k.title, message = k.message,
                    suppressed = k.suppressed, suppression_reason = k.suppression_reason, line = k.line, path = k.path, purl = k.purl,
                    package_type = k.package_type, details = k.details::json,
                    status = CASE WHEN f.status = 'fixed' THEN 'open' ELSE f.status END,
                    fixed_at = CASE WHEN f.status = 'fixed' THEN NULL ELSE f.fixed_at END,
                    status_reason = CASE WHEN f.status = 'fixed' THEN 'Reported again by scan ' || $3::text ELSE f.status_reason END,
                    status_changed_by = CASE WHEN f.status = 'fixed' THEN 'system' ELSE f.status_changed_by END,
                    status_changed_at = CASE WHEN f.status = 'fixed' THEN $4 ELSE f.status_changed_at END
                FROM matched k
                -- scope_id is implied by existing_id; it lets the planner read only this scope's findings (by the
                -- scope+identity index) where it would otherwise hash every finding in the table.
                WHERE k.changed AND f.id = k.existing_id AND f.scope_id = $1),
            -- Reported last time and not now: fixed (false positives keep their verdict), last seen at the previous scan.
            gone AS (
                UPDATE vulnerability_findings f
                SET reported = false, last_seen_at = COALESCE($7, f.last_seen_at), last_scan_id = COALESCE($2, f.last_scan_id),
                    status = CASE WHEN f.status IN ('open', 'accepted_risk') THEN 'fixed' ELSE f.status END,
                    fixed_at = CASE WHEN f.status IN ('open', 'accepted_risk') THEN $4 ELSE f.fixed_at END,
                    status_reason = CASE WHEN f.status IN ('open', 'accepted_risk') THEN 'Not reported by scan ' || $3::text ELSE f.status_reason END,
                    status_changed_by = CASE WHEN f.status IN ('open', 'accepted_risk') THEN 'system' ELSE f.status_changed_by END,
                    status_changed_at = CASE WHEN f.status IN ('open', 'accepted_risk') THEN $4 ELSE f.status_changed_at END
                -- NOT IN over the ids (none null; hashed: a 100 MB report's ids fit work_mem) rather than NOT EXISTS: that
                -- becomes an anti-join, for which an UPDATE copies every row of matched it reads whole (all its columns,
                -- in case it has to recheck a row), ~0.1 s of server CPU for a re-import of 50,000.
                WHERE f.scope_id = $1 AND f.reported AND f.id NOT IN (SELECT k.existing_id FROM matched k WHERE k.existing_id IS NOT NULL)
                RETURNING f.id, f.status),
            -- A fixed accepted risk's acceptance ends with it.
            ended AS (
                UPDATE risk_acceptances r SET ended_at = $4, end_reason = 'fixed'
                FROM gone g WHERE g.status = 'fixed' AND r.vulnerability_finding_id = g.id AND r.ended_at IS NULL),
            added AS (
                INSERT INTO vulnerability_findings (id, scope_id, identity, reported, service_id, target, kind, vulnerability_id, cve_id, package_name,
                    package_version, package_type, purl, path, line, severity, severity_rank, cvss_score, cvss_vector, cvss_computed, epss_score,
                    epss_percentile, epss_predicted, epss_source, known_exploited, fixed_versions, fix_available, direct, title, message, details,
                    status, suppressed, suppression_reason, first_seen_at, last_seen_at, first_scan_id, last_scan_id)
                SELECT k.new_id, $1, k.identity, true, $5, COALESCE(NULLIF(k.target, ''), $6), k.kind, k.vulnerability_id, k.cve_id,
                    k.package_name, k.package_version, k.package_type, k.purl, k.path, k.line, k.severity, k.severity_rank, k.cvss_score,
                    k.cvss_vector, k.cvss_computed, {Epss}, COALESCE(k.epss_percentile, k.first_percentile), {Predicted},
                    CASE WHEN k.epss IS NOT NULL THEN 'report' WHEN k.first_epss IS NOT NULL THEN 'first' WHEN k.epss_estimate IS NOT NULL THEN 'estimate' END,
                    k.known_exploited, k.fixed_versions, k.fix_available, k.direct, k.title, k.message, k.details::json, 'open', k.suppressed,
                    k.suppression_reason, $4, $4, $3, $3
                FROM matched k
                WHERE k.existing_id IS NULL),
            seen AS (
                INSERT INTO vulnerabilities (id, scan_id, finding_id, cve_id, package_name, package_version, severity, cvss_score, epss_score,
                    epss_predicted, change, created_at)
                SELECT k.occurrence_id, $3, COALESCE(k.existing_id, k.new_id), k.vulnerability_id, k.package_name, k.package_version, upper(k.severity COLLATE "C"),
                    k.cvss_score, {Epss}, {Predicted},
                    CASE WHEN k.existing_id IS NULL THEN 'new' WHEN k.existing_status = 'fixed' THEN 'reopened' ELSE 'unchanged' END, $4
                FROM matched k)
            SELECT count(*) FILTER (WHERE existing_id IS NOT NULL)::int, count(*) FILTER (WHERE existing_status = 'fixed')::int,
                   (SELECT count(*) FROM gone WHERE status = 'fixed')::int
            FROM matched
            """);
        // Text about a vulnerability or rule, once per id; later reports only fill gaps.
        Add($"""
            INSERT INTO vulnerability_details (id, title, description, url, cwes, aliases, cvss_vector, cvss_score, published_at, updated_at)
            SELECT s.vulnerability_id, s.title, s.description, s.url, s.cwes, s.aliases, s.cvss_vector, s.cvss_score, s.published, $4
            FROM {Stage} s
            WHERE s.first_of_id
              -- Ids already described, with no gap this report fills (the negation of the conflict clause's WHERE), are
              -- left out before the insert: an unchanged re-import then probes no conflict at all.
              AND NOT EXISTS (SELECT 1 FROM vulnerability_details d WHERE d.id = s.vulnerability_id
                              AND (d.description IS NOT NULL OR s.description IS NULL) AND (d.title IS NOT NULL OR s.title IS NULL)
                              AND (d.cvss_vector IS NOT NULL OR s.cvss_vector IS NULL))
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
        Add("UPDATE finding_scopes SET last_scan_id = $3, last_seen_at = $4, target = $6 WHERE id = $1");
        foreach (NpgsqlBatchCommand command in batch.BatchCommands)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = scopeId, NpgsqlDbType = NpgsqlDbType.Bigint });
            command.Parameters.Add(new NpgsqlParameter { Value = previousScan, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter { Value = scan.Id, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)serviceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter { Value = scan.Target, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = previousSeen, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            TrimParameters(command);
        }

        int matched, reopened, fixedCount;
        if (Environment.GetEnvironmentVariable("DG_IMPORT_TRACE") == "1")
        {
            (matched, reopened, fixedCount) = await TraceAsync(connection, batch, ct);
        }
        else
        {
            await using var reader = await batch.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (matched, reopened, fixedCount) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2));
        }

        await ClearStageAsync(connection, ct);
        var findings = staged.Findings;
        return new MergeCounts(findings, findings - matched, matched - reopened, reopened, fixedCount, staged.Suppressed, staged.BySeverity);
    }

    /// <summary>
    /// DG_IMPORT_TRACE=1 (benchmarks only): runs the merge's statements one by one, prints their wall time and the server
    /// process's CPU time, and returns the counts of the first. DG_IMPORT_EXPLAIN=1 as well: each statement first runs
    /// under EXPLAIN (ANALYZE, BUFFERS) in a savepoint that is rolled back, and its plan (with each trigger's time) is
    /// printed; then it runs for real.
    /// </summary>
    private static async Task<(int, int, int)> TraceAsync(NpgsqlConnection connection, NpgsqlBatch batch, CancellationToken ct)
    {
        var pid = await BackendPidAsync(connection, ct);
        double ServerCpuMs() => BackendCpuMs(pid);

        async Task RunAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(ct);
        }

        NpgsqlCommand Single(NpgsqlBatchCommand statement, string prefix)
        {
            var single = new NpgsqlCommand(prefix + statement.CommandText, connection);
            foreach (NpgsqlParameter p in statement.Parameters)
            {
                single.Parameters.Add(new NpgsqlParameter { Value = p.Value, NpgsqlDbType = p.NpgsqlDbType });
            }

            return single;
        }

        (int, int, int) counts = default;
        var first = true;
        foreach (NpgsqlBatchCommand statement in batch.BatchCommands)
        {
            var title = statement.CommandText.Trim().Split('\n')[0];
            title = title[..Math.Min(90, title.Length)];
            if (Environment.GetEnvironmentVariable("DG_IMPORT_EXPLAIN") == "1")
            {
                await RunAsync("SAVEPOINT import_explain");
                await using (var explain = Single(statement, "EXPLAIN (ANALYZE, BUFFERS) "))
                await using (var plan = await explain.ExecuteReaderAsync(ct))
                {
                    while (await plan.ReadAsync(ct))
                    {
                        Console.Error.WriteLine("import plan: " + plan.GetString(0));
                    }
                }

                await RunAsync("ROLLBACK TO SAVEPOINT import_explain");
            }

            var cpu = ServerCpuMs();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await using (var single = Single(statement, ""))
            await using (var reader = await single.ExecuteReaderAsync(ct))
            {
                if (first && await reader.ReadAsync(ct))
                {
                    counts = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2));
                }
            }

            first = false;
            Console.Error.WriteLine($"import trace: {watch.ElapsedMilliseconds,6} ms (server CPU {ServerCpuMs() - cpu,5:0} ms)  {title}");
        }

        return counts;
    }

    private static async Task<int> BackendPidAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var pidCommand = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        return (int)(await pidCommand.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// utime + stime of a server process (same machine only), in clock ticks of 10 ms: the work it did, whatever else the
    /// machine runs; NaN when the server is elsewhere.
    /// </summary>
    private static double BackendCpuMs(int pid)
    {
        if (!File.Exists($"/proc/{pid}/stat"))
        {
            return double.NaN;
        }

        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) * 10.0;
    }

    /// <summary>Keeps only the positional parameters a statement refers to ($1..$7), in order.</summary>
    private static void TrimParameters(NpgsqlBatchCommand command)
    {
        var highest = 0;
        for (var i = 1; i <= 7; i++)
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

    private static string Details(ReportResult r, string? cwes, ArrayBufferWriter<byte> buffer, Utf8JsonWriter json)
    {
        buffer.ResetWrittenCount();
        json.Reset(buffer);
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
        WriteIf(json, "cwes", cwes);
        WriteIf(json, "source_severity", r.SourceSeverity);
        if (r.Suppressed)
        {
            json.WriteString("suppressed", r.SuppressionReason ?? "suppressed in the report");
        }

        json.WriteEndObject();
        json.Flush();
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

    private static void Text(NpgsqlBinaryImporter importer, string? value)
    {
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(value, NpgsqlDbType.Text);
        }
    }

    private static void Nullable<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type) where T : struct
    {
        if (value is { } v)
        {
            importer.Write(v, type);
        }
        else
        {
            importer.WriteNull();
        }
    }

    /// <summary>
    /// Time-ordered ids for one import's rows: a version 7 UUID taken once, then counted up in its random low bits.
    /// <see cref="Guid.CreateVersion7()"/> per row reads the system's secure random source each time (a system call
    /// on Linux: 100,000 of them per 50,000 results); these ids only need to be unique and to sort after earlier
    /// imports' ids, which the one random start (74 random bits) and the count give.
    /// </summary>
    private sealed class SequentialIds
    {
        private readonly byte[] bytes = Guid.CreateVersion7().ToByteArray(bigEndian: true);

        public Guid Next()
        {
            // Bytes 9..15 are random bits below the variant: count them up as one big-endian number (a carry out of
            // byte 9 would need 2^56 ids). Byte 8 keeps the variant.
            for (var i = 15; i >= 9 && ++bytes[i] == 0; i--)
            {
            }

            return new Guid(bytes, bigEndian: true);
        }
    }
}
