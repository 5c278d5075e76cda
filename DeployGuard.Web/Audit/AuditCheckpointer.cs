using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Audit;

/// <summary>
/// Signs a checkpoint of the audit chain's head every <c>CheckpointEveryRows</c> rows or <c>CheckpointEveryMinutes</c>
/// minutes (whichever comes first, while rows are appended) and at shutdown, and sends each to the database, to an
/// append-only JSON-lines file outside it and, when configured, to an HTTP endpoint. A third party holding the public key
/// and a copy of the files can tell whether the chain in the database is still the one that was signed.
/// </summary>
internal sealed class AuditCheckpointer(
    AuditCheckpointStore store,
    AuditSigningKey key,
    IOptions<AuditCheckpointOptions> options,
    AppDirectories directories,
    IHttpClientFactory httpClients,
    TimeProvider clock,
    ILogger<AuditCheckpointer> logger) : BackgroundService
{
    public const string HttpClientName = "deployguard-audit-checkpoints";

    private readonly List<AuditCheckpoint> _unsent = [];
    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>The folder of the JSON-lines copies.</summary>
    public string CheckpointDirectory => options.Value.CheckpointDirectory is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.Combine(directories.DataRoot, "audit-checkpoints");

    /// <summary>Where checkpoints go, for the admin page.</summary>
    public IReadOnlyList<string> Destinations =>
    [
        "the database (table audit_checkpoints)",
        $"the file {Path.Combine(CheckpointDirectory, "audit-checkpoints-YYYY-MM-DD.jsonl")}",
        .. options.Value.CheckpointUrl is { Length: > 0 } url ? [$"HTTP POST to {url}"] : Array.Empty<string>(),
    ];

    public string Policy => $"every {options.Value.CheckpointEveryRows:N0} rows or {options.Value.CheckpointEveryMinutes:0.#} minutes, and at shutdown";

    /// <summary>Raised after a checkpoint was written.</summary>
    public event Action<AuditCheckpoint>? Written;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.CheckpointsEnabled)
        {
            logger.LogInformation("Audit checkpoints are not signed by this instance (Audit:CheckpointsEnabled=false)");
            return;
        }

        var poll = TimeSpan.FromSeconds(Math.Max(0.05, options.Value.CheckpointPollSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckpointAsync(Scheduled, stoppingToken);
                await Task.Delay(poll, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Signing an audit checkpoint failed; trying again in {Seconds} s", poll.TotalSeconds);
                await Task.Delay(poll, clock, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!options.Value.CheckpointsEnabled)
        {
            return;
        }

        try
        {
            // Whatever was appended since the last checkpoint is signed before the process goes.
            await CheckpointAsync((latest, head, _) => latest is null || head > latest.RowId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or IOException or InvalidOperationException)
        {
            logger.LogWarning(ex, "The shutdown audit checkpoint could not be signed");
        }
    }

    /// <summary>Signs the head now if anything was appended since the last checkpoint (commands and tests).</summary>
    public Task<AuditCheckpoint?> CheckpointNowAsync(CancellationToken ct = default) =>
        CheckpointAsync((latest, head, _) => latest is null || head > latest.RowId, ct);

    private bool Scheduled(AuditCheckpoint? latest, long head, DateTimeOffset now) =>
        latest is null
        || head - latest.RowId >= Math.Max(1, options.Value.CheckpointEveryRows)
        || (head > latest.RowId && now - latest.CreatedAt >= TimeSpan.FromMinutes(options.Value.CheckpointEveryMinutes));

    private async Task<AuditCheckpoint?> CheckpointAsync(AuditCheckpointStore.Due due, CancellationToken ct)
    {
        await _writing.WaitAsync(ct);
        try
        {
            var checkpoint = await store.CreateAsync(key, due, ct);
            if (checkpoint is null)
            {
                return null;
            }

            await AppendToFileAsync(checkpoint);
            await SendAsync(checkpoint, ct);
            logger.LogInformation("Signed audit checkpoint #{Sequence} at row {RowId}", checkpoint.Sequence, checkpoint.RowId);
            Written?.Invoke(checkpoint);
            return checkpoint;
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task AppendToFileAsync(AuditCheckpoint checkpoint)
    {
        var folder = AppDirectories.EnsurePrivate(CheckpointDirectory);
        var file = Path.Combine(folder, $"audit-checkpoints-{checkpoint.CreatedAt.UtcDateTime:yyyy-MM-dd}.jsonl");
        var fileOptions = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        // One write per line (O_APPEND): instances sharing the folder never interleave within a line.
        await using var stream = new FileStream(file, fileOptions);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(CheckpointFormat.ToJsonLine(checkpoint) + "\n"));
        stream.Flush(flushToDisk: true);
    }

    private async Task SendAsync(AuditCheckpoint checkpoint, CancellationToken ct)
    {
        if (options.Value.CheckpointUrl is not { Length: > 0 } url)
        {
            return;
        }

        _unsent.Add(checkpoint);
        var client = httpClients.CreateClient(HttpClientName);
        while (_unsent.Count > 0)
        {
            var next = _unsent[0];
            try
            {
                using var content = new StringContent(CheckpointFormat.ToJsonLine(next), Encoding.UTF8, "application/json");
                using var response = await client.PostAsync(url, content, ct);
                response.EnsureSuccessStatusCode();
                _unsent.RemoveAt(0);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Kept (in memory, up to a limit) and sent before the next one: the database and the file have it meanwhile.
                logger.LogWarning("Sending audit checkpoint #{Sequence} to {Url} failed ({Error}); {Count} waiting", next.Sequence, url, ex.Message,
                    _unsent.Count);
                if (_unsent.Count > 1000)
                {
                    _unsent.RemoveAt(0);
                }

                return;
            }
        }
    }
}
