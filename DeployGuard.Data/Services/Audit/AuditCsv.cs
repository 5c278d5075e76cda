using CsvHelper;

namespace DeployGuard.Data.Services.Audit;

/// <summary>
/// The audit export's CSV (RFC 4180, written by CsvHelper): one row at a time from the database cursor into CsvHelper's
/// 64 KiB buffer, which goes out whenever it fills, so memory stays flat at any size. Text that a spreadsheet would run
/// as a formula (= + - @ tab CR first) gets a leading apostrophe.
/// </summary>
public static class AuditCsv
{
    public static readonly string[] Columns =
        ["id", "created_at", "user_id", "user_name", "action", "resource_type", "resource_id", "details", "ip_address", "user_agent", "prev_hash", "hash"];

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { NewLine = "\n", Injection = CsvInjection.Escape };

    /// <summary>Writes the header and every row as UTF-8 to <paramref name="output"/> (left open); returns the number of rows.</summary>
    public static async Task<long> WriteAsync(Stream output, IAsyncEnumerable<AuditRow> rows, CancellationToken ct = default)
    {
        await using var csv = CsvWriter.Create(output, Options, leaveOpen: true);
        // A whole record: no EndRecord after it.
        csv.WriteHeader(Columns);
        long count = 0;
        await foreach (var row in rows.WithCancellation(ct))
        {
            csv.WriteField(row.Id, default);
            csv.WriteField(row.CreatedAt.ToUniversalTime(), "yyyy-MM-ddTHH:mm:ss.ffffffZ");
            csv.WriteField(row.UserId);
            csv.WriteField(row.UserName);
            csv.WriteField(row.Action);
            csv.WriteField(row.ResourceType);
            csv.WriteField(row.ResourceId);
            csv.WriteField(row.Details);
            csv.WriteField(row.IpAddress);
            csv.WriteField(row.UserAgent);
            csv.WriteField(row.PrevHash);
            csv.WriteField(row.Hash);
            await csv.EndRecordAsync(ct);
            count++;
        }

        await csv.FlushAsync(ct);
        return count;
    }
}
