using System.Diagnostics;
using System.Text;
using DeployGuard.Data;
using DeployGuard.Data.Postgres;
using DeployGuard.Data.Services.Audit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

// Times the audit page's queries (AuditService.PageAsync) and the streamed CSV export on a large audit_logs table.
//   AuditBench queries <data-dir> [runs]   page queries: first page, deep page, filters
//   AuditBench csv <data-dir>              full CSV export to /dev/null with peak RSS (run alone so the peak is the export's)
//   AuditBench inserts <data-dir> <rows> <writers> <checkpoint-every-rows|0> [batch]
//                                          audit insert throughput (one row per transaction through AuditWriter, as the app
//                                          writes; or INSERT ... SELECT batches like `audit generate`), with a checkpoint
//                                          signer running alongside (ECDSA P-256, AuditCheckpointStore, polling every 50 ms)
// <data-dir> is an embedded cluster folder (Database__Embedded__DataDirectory of the app); it is started, reused and stopped here.
if (args.Length < 2 || args[0] is not ("queries" or "csv" or "inserts"))
{
    Console.Error.WriteLine("usage: AuditBench queries|csv|inserts <embedded-data-dir> [runs | rows writers checkpoint-every [batch]]");
    return 2;
}

var cluster = await PostgresCluster.StartAsync(args[1]);
try
{
    var connectionString = cluster.ConnectionString("deployguard");
    var services = new ServiceCollection();
    services.AddLogging();
    services.AddDataServices(connectionString);
    await using var provider = services.BuildServiceProvider();
    var audit = provider.GetRequiredService<AuditService>();
    var rows = await ScalarAsync<long>(connectionString, "SELECT count(*) FROM audit_logs");
    Console.WriteLine($"audit_logs: {rows:N0} rows, PostgreSQL {await ScalarAsync<string>(connectionString, "SHOW server_version")}, " +
                      $"table+indexes {await ScalarAsync<string>(connectionString, "SELECT pg_size_pretty(pg_total_relation_size('audit_logs'))")}");

    if (args[0] == "csv")
    {
        await CsvAsync(audit);
    }
    else if (args[0] == "inserts")
    {
        await InsertsAsync(provider, connectionString, int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), args.Length > 5 ? int.Parse(args[5]) : 1);
    }
    else
    {
        await QueriesAsync(audit, connectionString, args.Length > 2 ? int.Parse(args[2]) : 20);
    }
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await cluster.StopAsync();
}

return 0;

static async Task QueriesAsync(AuditService audit, string connectionString, int runs)
{
    if (runs <= 0)
    {
        return;
    }

    var minId = await ScalarAsync<long>(connectionString, "SELECT min(id) FROM audit_logs");
    var (first, last) = (await ScalarAsync<DateTime>(connectionString, "SELECT min(created_at) FROM audit_logs"),
        await ScalarAsync<DateTime>(connectionString, "SELECT max(created_at) FROM audit_logs"));
    var span = last - first;
    var rangeFrom = new DateTimeOffset(first + span * 0.40, TimeSpan.Zero);
    var rangeTo = new DateTimeOffset(first + span * 0.41, TimeSpan.Zero);
    var deepCursor = minId + 100;
    var page1Cursor = (await audit.PageAsync(new AuditFilter())).NextBefore;
    var resourceId = await ScalarAsync<string>(connectionString, "SELECT resource_id FROM audit_logs WHERE resource_type = 'service' LIMIT 1");

    var cases = new (string Name, Func<Task<AuditPage>> Run)[]
    {
        ("first page (newest 50)", () => audit.PageAsync(new AuditFilter())),
        ("next page (before cursor of page 1)", () => audit.PageAsync(new AuditFilter(), before: page1Cursor)),
        ("deep page (cursor near the oldest rows)", () => audit.PageAsync(new AuditFilter(), before: deepCursor)),
        ("back one page (after cursor, deep)", () => audit.PageAsync(new AuditFilter(), after: deepCursor)),
        ("filter action = service.updated", () => audit.PageAsync(new AuditFilter { Action = "service.updated" })),
        ("filter action, deep page", () => audit.PageAsync(new AuditFilter { Action = "service.updated" }, before: deepCursor + 1000)),
        ("filter actor = user id (bench-user-7)", () => audit.PageAsync(new AuditFilter { Actor = "bench-user-7" })),
        ("filter actor = name text (carol)", () => audit.PageAsync(new AuditFilter { Actor = "carol" })),
        ("filter actor, no match (worst case)", () => audit.PageAsync(new AuditFilter { Actor = "nobody-at-all" })),
        ("filter resource type + id", () => audit.PageAsync(new AuditFilter { ResourceType = "service", ResourceId = resourceId })),
        ("filter date range (1% of the span, mid-table)", () => audit.PageAsync(new AuditFilter { From = rangeFrom, To = rangeTo })),
        ("date range + action", () => audit.PageAsync(new AuditFilter { From = rangeFrom, To = rangeTo, Action = "auth.sign_in" })),
        ("distinct actions (filter drop-down; rows = actions)", async () =>
        {
            var actions = await audit.ActionsAsync();
            return new AuditPage(actions.Select(a => new AuditRow(0, default, null, null, a, "", null, "{}", null, null, "", "")).ToList(), null, false);
        }),
    };

    Console.WriteLine($"{runs} timed runs after 2 warm-up runs each; times in ms");
    Console.WriteLine($"| query | rows | median | p95 | max |");
    Console.WriteLine($"|---|---:|---:|---:|---:|");
    foreach (var (name, run) in cases)
    {
        var page = await run();
        await run();
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            page = await run();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine($"| {name} | {page.Rows.Count} | {times[times.Count / 2]:F1} | {times[(int)Math.Ceiling(times.Count * 0.95) - 1]:F1} | {times[^1]:F1} |");
    }
}

static async Task CsvAsync(AuditService audit)
{
    var startRss = Rss();
    long peak = startRss;
    using var sampler = new Timer(_ => Interlocked.Exchange(ref peak, Math.Max(Interlocked.Read(ref peak), Rss())), null, 0, 50);
    var watch = Stopwatch.StartNew();
    long count = 0;
    var output = new CountingStream();
    // The export endpoint's own writer; progress is printed as the rows pass by.
    count = await AuditCsv.WriteAsync(output, Progress(audit.StreamAsync(new AuditFilter())));

    async IAsyncEnumerable<AuditRow> Progress(IAsyncEnumerable<AuditRow> rows)
    {
        long seen = 0;
        await foreach (var row in rows)
        {
            yield return row;
            if (++seen % 200_000 == 0)
            {
                Console.WriteLine($"  {seen:N0} rows after {watch.Elapsed.TotalSeconds:F1} s, RSS {Rss() / 1048576.0:F0} MiB");
            }
        }
    }

    watch.Stop();
    Console.WriteLine($"CSV export: {count:N0} rows, {output.Length / 1048576.0:F0} MiB of CSV in {watch.Elapsed.TotalSeconds:F1} s " +
                      $"({count / watch.Elapsed.TotalSeconds:N0} rows/s); RSS before {startRss / 1048576.0:F0} MiB, sampled peak {peak / 1048576.0:F0} MiB, " +
                      $"VmHWM {Status("VmHWM") / 1048576.0:F0} MiB");
}

static async Task InsertsAsync(IServiceProvider services, string connectionString, int rows, int writers, int checkpointEvery, int batch)
{
    // The app's own key when there is one (so `audit verify` checks these checkpoints), else a key for this run.
    using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
    if (Environment.GetEnvironmentVariable("DataDirectory") is { Length: > 0 } data && Path.Combine(data, "keys", "audit-signing-key.pem") is var pem &&
        File.Exists(pem))
    {
        key.ImportFromPem(File.ReadAllText(pem));
    }
    var signer = new BenchSigner(key);
    var store = services.GetRequiredService<AuditCheckpointStore>();
    var writer = services.GetRequiredService<AuditWriter>();
    var before = await ScalarAsync<long>(connectionString, "SELECT count(*) FROM audit_checkpoints");
    using var stop = new CancellationTokenSource();
    var checkpoints = 0;
    var signing = checkpointEvery <= 0 ? Task.CompletedTask : Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            if (await store.CreateAsync(signer, (latest, head, _) => latest is null || head - latest.RowId >= checkpointEvery) is not null)
            {
                Interlocked.Increment(ref checkpoints);
            }

            try
            {
                await Task.Delay(50, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    });

    var watch = Stopwatch.StartNew();
    var perWriter = rows / writers;
    await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
    {
        if (batch > 1)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            for (var done = 0; done < perWriter; done += batch)
            {
                await using var insert = new NpgsqlCommand(
                    "INSERT INTO audit_logs (user_id, user_name, action, resource_type, resource_id, details) " +
                    "SELECT 'bench-user-' || (i % 40), 'bench@example.com', 'service.updated', 'service', md5(i::text), jsonb_build_object('n', i) " +
                    $"FROM generate_series(1, {Math.Min(batch, perWriter - done)}) AS i", connection) { CommandTimeout = 0 };
                await insert.ExecuteNonQueryAsync();
            }

            return;
        }

        for (var i = 0; i < perWriter; i++)
        {
            await writer.WriteAsync(new AuditActor($"bench-user-{w}", $"writer {w}", "10.0.0.1", "bench"), "service.updated", "service", i.ToString(),
                new { i, note = "insert throughput" });
        }
    })));
    watch.Stop();
    await stop.CancelAsync();
    await signing;
    var total = perWriter * writers;
    Console.WriteLine($"inserts: {total:N0} rows, {writers} writer(s), {(batch > 1 ? $"batches of {batch:N0}" : "one row per transaction")}, " +
                      $"checkpoints {(checkpointEvery > 0 ? $"every {checkpointEvery:N0} rows" : "off")}: {watch.Elapsed.TotalSeconds:F1} s, " +
                      $"{total / watch.Elapsed.TotalSeconds:N0} rows/s, {checkpoints} checkpoint(s) signed " +
                      $"({await ScalarAsync<long>(connectionString, "SELECT count(*) FROM audit_checkpoints") - before} new in the table)");
}

static long Rss() => Status("VmRSS");

static long Status(string field)
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
}

static async Task<T> ScalarAsync<T>(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    return (T)(await command.ExecuteScalarAsync())!;
}

/// <summary>Signs like the app's key file does (ECDSA P-256, DER), with a key held in memory for the run.</summary>
internal sealed class BenchSigner(System.Security.Cryptography.ECDsa key) : ICheckpointSigner
{
    public string KeyId { get; } = CheckpointFormat.KeyId(key);

    public byte[] Sign(byte[] payload) => key.SignData(payload, System.Security.Cryptography.HashAlgorithmName.SHA256,
        System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence);
}

/// <summary>A sink that only counts bytes (what /dev/null would get).</summary>
internal sealed class CountingStream : Stream
{
    private long _length;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => _length += count;
    public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _length += buffer.Length;
        return ValueTask.CompletedTask;
    }
}
