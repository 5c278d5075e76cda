using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace DeployGuard.Data.Services.Vulnerabilities;

public sealed record EpssImportResult(int Rows, string? ModelVersion, DateOnly? ScoreDate, int FindingsRescored, long DurationMs);

/// <summary>
/// Imports FIRST's daily EPSS file (<c>epss_scores-YYYY-MM-DD.csv.gz</c>, gzip or plain: a <c>#model_version:…,score_date:…</c>
/// line, the header <c>cve,epss,percentile</c>, one CVE per line). It replaces the whole table in one transaction
/// (binary COPY), then re-scores the findings whose EPSS came from FIRST or was estimated: an estimate gives way to
/// FIRST's score as soon as there is one. A report's own EPSS (Grype) is left as the report said.
/// </summary>
public sealed partial class EpssImportService(IDbContextFactory<ApplicationDbContext> contextFactory, AuditWriter audit, TimeProvider clock)
{
    public async Task<Result<EpssImportResult>> ImportAsync(Stream file, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsAdmin)
        {
            return Result<EpssImportResult>.Forbidden("Only admins import EPSS scores.");
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var input = new BufferedStream(file, 64 * 1024);
        var magic = new byte[2];
        var peeked = await input.ReadAtLeastAsync(magic, 2, throwOnEndOfStream: false, ct);
        Stream text = new ConcatStream(magic.AsMemory(0, peeked), input);
        if (peeked == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            text = new GZipStream(text, CompressionMode.Decompress);
        }

        using var reader = new StreamReader(text, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        // One import at a time: the table is replaced as a whole.
        await db.Database.LockAsync("epss-import", ct);
        // DELETE, not TRUNCATE: the run-time role has no TRUNCATE (DatabaseRoles.GrantRuntimeAsync); readers keep seeing
        // the old scores until the commit either way.
        await db.Database.ExecuteSqlAsync($"DELETE FROM epss_scores", ct);
        string? model = null;
        DateOnly? scoreDate = null;
        var rows = 0;
        var lineNumber = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using var importer = await connection.BeginBinaryImportAsync(
                "COPY epss_scores (cve, epss, percentile, model_version, score_date) FROM STDIN (FORMAT BINARY)", ct);
            var headerSeen = false;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }

                if (line[0] == '#')
                {
                    (model, scoreDate) = Comment(line);
                    continue;
                }

                if (!headerSeen)
                {
                    if (!line.StartsWith("cve,epss,percentile", StringComparison.OrdinalIgnoreCase))
                    {
                        return Invalid(lineNumber, $"expected the header \"cve,epss,percentile\" but found \"{Clip(line)}\". Is this FIRST's EPSS file?");
                    }

                    headerSeen = true;
                    continue;
                }

                var parts = line.Split(',');
                if (parts.Length < 3 || !CvePattern().IsMatch(parts[0])
                    || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var epss) || epss is < 0 or > 1
                    || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var percentile) || percentile is < 0 or > 1)
                {
                    return Invalid(lineNumber, $"\"{Clip(line)}\" is not \"CVE-YYYY-NNNN,<probability 0-1>,<percentile 0-1>\".");
                }

                if (!seen.Add(parts[0]))
                {
                    return Invalid(lineNumber, $"{parts[0]} appears twice.");
                }

                importer.StartRow();
                importer.Write(parts[0], NpgsqlDbType.Varchar);
                importer.Write(epss, NpgsqlDbType.Double);
                importer.Write(percentile, NpgsqlDbType.Double);
                if (model is null)
                {
                    importer.WriteNull();
                }
                else
                {
                    importer.Write(model, NpgsqlDbType.Varchar);
                }

                importer.Write(scoreDate ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), NpgsqlDbType.Date);
                rows++;
            }

            if (!headerSeen)
            {
                return Invalid(lineNumber, "the file has no \"cve,epss,percentile\" header: it is empty or not FIRST's EPSS file.");
            }

            await importer.CompleteAsync(ct);
        }
        catch (InvalidDataException e)
        {
            return Invalid(lineNumber, $"the gzip data is broken ({e.Message}).");
        }

        // Findings scored by FIRST or by the estimator take today's scores; a CVE FIRST now scores stops being an estimate.
        var rescored = await db.Database.ExecuteSqlAsync($"""
            UPDATE vulnerability_findings f
            SET epss_score = e.epss, epss_percentile = e.percentile, epss_source = 'first', epss_predicted = false
            FROM epss_scores e
            WHERE f.cve_id = e.cve AND f.epss_source IS DISTINCT FROM 'report'
              AND (f.epss_score IS DISTINCT FROM e.epss OR f.epss_percentile IS DISTINCT FROM e.percentile OR f.epss_source IS DISTINCT FROM 'first')
            """, ct);
        var result = new EpssImportResult(rows, model, scoreDate, rescored, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        audit.Add(db, caller.Actor, AuditActions.EpssImported, ResourceTypes.Epss, scoreDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            new { rows, model, scoreDate, findingsRescored = rescored });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result<EpssImportResult>.Ok(result);
    }

    /// <summary>How many CVEs have scores, and of which day.</summary>
    public async Task<(int Rows, string? Model, DateOnly? ScoreDate)> StatusAsync(CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var rows = await db.EpssScores.CountAsync(ct);
        var latest = await db.EpssScores.AsNoTracking().OrderByDescending(e => e.ScoreDate).Select(e => new { e.ModelVersion, e.ScoreDate }).FirstOrDefaultAsync(ct);
        return (rows, latest?.ModelVersion, latest?.ScoreDate);
    }

    private static Result<EpssImportResult> Invalid(int line, string message) =>
        Result<EpssImportResult>.Invalid("file", $"EPSS file, line {line}: {message} Nothing was imported.");

    // "#model_version:v2023.03.01,score_date:2023-03-05T00:00:00+0000"
    private static (string? Model, DateOnly? Date) Comment(string line)
    {
        string? model = null;
        DateOnly? date = null;
        foreach (var part in line.TrimStart('#').Split(','))
        {
            var colon = part.IndexOf(':');
            if (colon < 0)
            {
                continue;
            }

            var key = part[..colon].Trim();
            var value = part[(colon + 1)..].Trim();
            if (key == "model_version")
            {
                model = value.Length > 50 ? value[..50] : value;
            }
            else if (key == "score_date" && value.Length >= 10 && DateOnly.TryParseExact(value[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture,
                         DateTimeStyles.None, out var parsed))
            {
                date = parsed;
            }
        }

        return (model, date);
    }

    private static string Clip(string line) => line.Length > 60 ? line[..60] + "…" : line;

    [GeneratedRegex(@"^CVE-\d{4}-\d{4,}$")]
    private static partial Regex CvePattern();

    /// <summary>The peeked bytes, then the rest of the stream.</summary>
    private sealed class ConcatStream(ReadOnlyMemory<byte> head, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _head = head;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_head.Length > 0)
            {
                var n = Math.Min(buffer.Length, _head.Length);
                _head.Span[..n].CopyTo(buffer);
                _head = _head[n..];
                return n;
            }

            return rest.Read(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_head.Length > 0)
            {
                return Read(buffer.Span);
            }

            return await rest.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
