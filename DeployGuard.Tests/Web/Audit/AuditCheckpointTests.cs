using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Tests.Infrastructure;
using DeployGuard.Web.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Audit;

/// <summary>
/// The forgery, done as a database superuser would: switch the audit triggers off, change a row, recompute every
/// later hash with the database's own canonical function, switch them on. The chain alone still verifies; held against the
/// signed checkpoints (database copy, file copy, a third party's copy with only the public key) it does not, and the report
/// names the first row that can no longer be trusted.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AuditCheckpointTests : IAsyncLifetime
{
    private readonly CheckpointAppFactory _app = new();

    public Task InitializeAsync() => _app.InitializeAsync();

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    private AuditCheckpointer Checkpointer => _app.Services.GetRequiredService<AuditCheckpointer>();

    private AuditTrailVerifier Verifier => _app.Services.GetRequiredService<AuditTrailVerifier>();

    [Fact]
    public async Task Verify_ChainRewrittenAndRehashedBySuperuser_NoLongerMatchesTheSignedHead()
    {
        var (first, second) = await TwoCheckpointsAndMoreRowsAsync();
        var before = await Verifier.VerifyAsync();

        await ForgeAsync(first.RowId + 2);

        var chainOnly = await _app.Services.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        var anchored = await Verifier.VerifyAsync();
        Assert.True(before.Intact, string.Join(" ", before.CheckpointProblems));
        Assert.Equal((2, second.Sequence, 3L), (before.CheckpointsChecked, before.LastMatching!.Sequence, before.UnsignedRows));
        // What the issue found: the re-hashed chain is consistent with itself.
        Assert.True(chainOnly.Intact);
        Assert.False(anchored.Intact);
        Assert.Null(anchored.FirstBrokenId);
        Assert.Equal(first.Sequence, anchored.LastMatching!.Sequence);
        Assert.Equal(first.RowId + 1, anchored.FirstUntrustedRowId);
        Assert.Contains(anchored.CheckpointProblems, p => p.Contains($"does not match signed checkpoint #{second.Sequence}", StringComparison.Ordinal) &&
                                                         p.Contains($"row {first.RowId + 1} is the first that can no longer be trusted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_CheckpointsDeletedFromTheDatabaseToo_TheFileCopyStillCatchesTheForgery()
    {
        var (first, second) = await TwoCheckpointsAndMoreRowsAsync();

        await ForgeAsync(first.RowId + 1);
        await Sql.ExecuteAsync(_app.ConnectionString,
            "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER; DELETE FROM audit_checkpoints; ALTER TABLE audit_checkpoints ENABLE TRIGGER USER");

        var result = await Verifier.VerifyAsync();
        Assert.False(result.Intact);
        Assert.Equal(first.RowId + 1, result.FirstUntrustedRowId);
        Assert.Contains(result.CheckpointProblems, p => p.Contains($"Checkpoint #{second.Sequence}", StringComparison.Ordinal) &&
                                                        p.Contains("missing from the database", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VerifyCommand_ThirdPartyCopyAndPublicKeyOnly_ReportsTheForgeryWithoutTheAppsKey()
    {
        var (first, _) = await TwoCheckpointsAndMoreRowsAsync();
        var copy = Directory.CreateTempSubdirectory("dg-checkpoint-copy-").FullName;
        foreach (var file in Directory.EnumerateFiles(Checkpointer.CheckpointDirectory))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var publicKey = Path.Combine(copy, "public.pem");
        var (printed, exitPrint) = await RunCommandAsync("audit", "public-key");
        await File.WriteAllTextAsync(publicKey, printed);
        var intact = await RunCommandAsync("audit", "verify", "--checkpoints", copy, "--public-key", publicKey);
        await ForgeAsync(first.RowId + 3);
        // The app's private key is not needed (nor read): take it away.
        var key = _app.Services.GetRequiredService<AuditSigningKey>().Path;
        File.Move(key, key + ".away");

        var (output, exit) = await RunCommandAsync("audit", "verify", "--checkpoints", copy, "--public-key", publicKey);

        Assert.Equal(0, exitPrint);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", printed);
        Assert.Equal(0, intact.Exit);
        Assert.Contains("Audit chain intact", intact.Output);
        Assert.Contains("Signed checkpoints: 2 verified", intact.Output);
        Assert.Equal(1, exit);
        Assert.Contains("Checkpoint check FAILED: Row", output);
        Assert.Contains($"row {first.RowId + 1} is the first row that can no longer be trusted", output);
        Assert.False(File.Exists(key));
        Directory.Delete(copy, recursive: true);
    }

    [Fact]
    public async Task Verify_LastRowsDeletedOrCheckpointAltered_IsReported()
    {
        var (_, second) = await TwoCheckpointsAndMoreRowsAsync();
        var file = Directory.EnumerateFiles(Checkpointer.CheckpointDirectory, "*.jsonl").Single();
        var lines = await File.ReadAllLinesAsync(file);
        // An edited copy: the row hash of the second checkpoint changed, its signature no longer fits.
        await File.WriteAllLinesAsync(file, [lines[0], lines[1].Replace("\"rowHash\":\"", "\"rowHash\":\"0")]);
        await Sql.ExecuteAsync(_app.ConnectionString,
            $"ALTER TABLE audit_logs DISABLE TRIGGER USER; DELETE FROM audit_logs WHERE id >= {second.RowId}; ALTER TABLE audit_logs ENABLE TRIGGER USER");

        var result = await Verifier.VerifyAsync();

        Assert.False(result.Intact);
        Assert.Contains(result.CheckpointProblems, p => p.Contains($"Checkpoint #{second.Sequence}", StringComparison.Ordinal) &&
                                                        p.Contains("invalid signature", StringComparison.Ordinal));
        Assert.Contains(result.CheckpointProblems, p => p.Contains($"signed row {second.RowId}", StringComparison.Ordinal) &&
                                                        p.Contains("rows were deleted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckpointFile_Line_VerifiesWithOpensslAsDocumented()
    {
        await WriteRowsAsync(2);
        var checkpoint = (await Checkpointer.CheckpointNowAsync())!;
        var line = File.ReadLines(Directory.EnumerateFiles(Checkpointer.CheckpointDirectory, "*.jsonl").Single()).Single();
        var work = Directory.CreateTempSubdirectory("dg-openssl-").FullName;
        var parsed = CheckpointFormat.FromJsonLine(line, out _)!;
        // docs/security.md: the payload is seven lines rebuilt from the JSON fields; the signature is base64 DER.
        var payload = $"deployguard-audit-checkpoint/v1\nsequence={parsed.Sequence}\nrow_id={parsed.RowId}\nrow_hash={parsed.RowHash}\n" +
                      $"created_at={CheckpointFormat.Time(parsed.CreatedAt)}\nprevious={parsed.Previous}\nkey_id={parsed.KeyId}\n";
        await File.WriteAllTextAsync(Path.Combine(work, "payload"), payload);
        await File.WriteAllBytesAsync(Path.Combine(work, "signature"), Convert.FromBase64String(parsed.Signature));
        await File.WriteAllTextAsync(Path.Combine(work, "public.pem"), _app.Services.GetRequiredService<AuditSigningKey>().PublicKeyPem);

        var (verify, _) = await RunAsync("openssl", work, "dgst", "-sha256", "-verify", "public.pem", "-signature", "signature", "payload");
        var (keyId, _) = await RunAsync("sh", work, "-c", "openssl pkey -pubin -in public.pem -outform DER | sha256sum");

        Assert.Equal("Verified OK", verify.Trim());
        Assert.Equal(checkpoint.KeyId, keyId.Split(' ')[0]);
        Assert.Equal(checkpoint.RowHash, parsed.RowHash);
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task CheckpointNow_WithAnHttpSink_PostsTheSameLineAsTheFileAndKeepsTheKeyPrivate()
    {
        await WriteRowsAsync(1);

        var checkpoint = (await Checkpointer.CheckpointNowAsync())!;

        var received = await _app.Sink.Received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var line = File.ReadLines(Directory.EnumerateFiles(Checkpointer.CheckpointDirectory, "*.jsonl").Single()).Single();
        Assert.Equal(line, received);
        Assert.Equal(CheckpointFormat.ToJsonLine(checkpoint), line);
        var key = _app.Services.GetRequiredService<AuditSigningKey>().Path;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(key)!));
        // Nothing of the private key is in the database.
        var pem = (await File.ReadAllTextAsync(key)).Split('\n')[1];
        Assert.Equal(0L, await Sql.ScalarAsync<long>(_app.ConnectionString,
            "SELECT count(*) FROM audit_checkpoints WHERE signature LIKE '%' || @k || '%' OR key_id LIKE '%' || @k || '%'", ("k", pem[..20])));
    }

    private async Task<(AuditCheckpoint First, AuditCheckpoint Second)> TwoCheckpointsAndMoreRowsAsync()
    {
        await WriteRowsAsync(5);
        var first = (await Checkpointer.CheckpointNowAsync())!;
        await WriteRowsAsync(5);
        var second = (await Checkpointer.CheckpointNowAsync())!;
        await WriteRowsAsync(3);
        return (first, second);
    }

    private async Task WriteRowsAsync(int count)
    {
        var writer = _app.Services.GetRequiredService<AuditWriter>();
        for (var i = 0; i < count; i++)
        {
            await writer.WriteAsync(new AuditActor("u1", "user one", "10.0.0.1", "tests"), "test.checkpointed", ResourceTypes.Audit, i.ToString(), new { i });
        }
    }

    /// <summary>The attack: triggers off, one row changed, every later hash recomputed with the database's canonical function.</summary>
    private Task ForgeAsync(long rowId) => Sql.ExecuteAsync(_app.ConnectionString, $$"""
        ALTER TABLE audit_logs DISABLE TRIGGER USER;
        UPDATE audit_logs SET details = '{"forged": true}' WHERE id = {{rowId}};
        DO $$
        DECLARE
            r audit_logs;
            prev text := (SELECT hash FROM audit_logs WHERE id = {{rowId}} - 1);
        BEGIN
            FOR r IN SELECT * FROM audit_logs WHERE id >= {{rowId}} ORDER BY id LOOP
                r.prev_hash := coalesce(prev, '');
                r.hash := encode(sha256(convert_to(audit_logs_canonical(r), 'UTF8')), 'hex');
                UPDATE audit_logs SET prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
                prev := r.hash;
            END LOOP;
        END $$;
        ALTER TABLE audit_logs ENABLE TRIGGER USER;
        """);

    private Task<(string Output, int Exit)> RunCommandAsync(params string[] args)
    {
        string[] all = [AppProcess.WebDll, .. args];
        return RunAsync(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", Path.GetDirectoryName(AppProcess.WebDll)!, all,
            new Dictionary<string, string>
            {
                ["ConnectionStrings__DeployGuard"] = _app.ConnectionString, ["ConnectionStrings__Migrations"] = TestPostgres.AsOwner(_app.ConnectionString),
                ["DataDirectory"] = _app.DataDirectory, ["ASPNETCORE_ENVIRONMENT"] = "Production", ["Logging__LogLevel__Default"] = "Warning",
            });
    }

    private static Task<(string Output, int Exit)> RunAsync(string program, string directory, params string[] args) =>
        RunAsync(program, directory, args, new Dictionary<string, string>());

    private static async Task<(string Output, int Exit)> RunAsync(string program, string directory, string[] args, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (await stdout + (process.ExitCode == 0 ? "" : await stderr), process.ExitCode);
    }
}

/// <summary>The app with background signing off (tests sign when they mean to) and an HTTP sink on loopback.</summary>
public sealed class CheckpointAppFactory : WebAppFactory
{
    public CheckpointSink Sink { get; } = new();

    public override async Task InitializeAsync()
    {
        await Sink.StartAsync();
        await base.InitializeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Audit:CheckpointsEnabled", "false");
        builder.UseSetting("Audit:CheckpointUrl", Sink.Url);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Sink.DisposeAsync();
    }
}

/// <summary>A real HTTP server on loopback that records what is POSTed to it.</summary>
public sealed class CheckpointSink : IAsyncDisposable
{
    private WebApplication? _server;

    public System.Threading.Channels.Channel<string> Received { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>();

    public string Url { get; private set; } = "";

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapPost("/checkpoints", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            await Received.Writer.WriteAsync(await reader.ReadToEndAsync());
            return Results.StatusCode((int)HttpStatusCode.Created);
        });
        await _server.StartAsync();
        Url = _server.Urls.Single() + "/checkpoints";
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The background signer as it runs in production: every N rows, and once more at shutdown.</summary>
public sealed class ScheduledCheckpointTests
{
    [Fact]
    public async Task Checkpointer_RowsAppended_SignsEveryNRowsAndTheRestAtShutdown()
    {
        var app = new ScheduledCheckpointAppFactory();
        await app.InitializeAsync();
        string connectionString;
        long head;
        try
        {
            connectionString = app.ConnectionString;
            var writer = app.Services.GetRequiredService<AuditWriter>();
            var store = app.Services.GetRequiredService<AuditCheckpointStore>();
            // The first row is signed at once; after that every third.
            await writer.WriteAsync(AuditActor.System, "test.scheduled", ResourceTypes.Audit, "first");
            await WaitForCheckpointAsync(store, await Sql.ScalarAsync<long>(connectionString, "SELECT max(id) FROM audit_logs"));
            for (var i = 0; i < 3; i++)
            {
                await writer.WriteAsync(AuditActor.System, "test.scheduled", ResourceTypes.Audit, i.ToString());
            }

            await WaitForCheckpointAsync(store, await Sql.ScalarAsync<long>(connectionString, "SELECT max(id) FROM audit_logs"));
            await writer.WriteAsync(AuditActor.System, "test.scheduled", ResourceTypes.Audit, "last");
            head = await Sql.ScalarAsync<long>(connectionString, "SELECT max(id) FROM audit_logs");
        }
        finally
        {
            // A graceful stop, as at shutdown.
            await app.DisposeAsync();
        }

        Assert.Equal(head, await Sql.ScalarAsync<long>(connectionString, "SELECT max(row_id) FROM audit_checkpoints"));
        Assert.Equal(3L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM audit_checkpoints"));
        await ((IAsyncLifetime)app).DisposeAsync();
    }

    private static async Task WaitForCheckpointAsync(AuditCheckpointStore store, long rowId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await store.LatestAsync() is not { } latest || latest.RowId < rowId)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no checkpoint of row {rowId}");
            await Task.Delay(50);
        }
    }
}

public sealed class ScheduledCheckpointAppFactory : WebAppFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Audit:CheckpointEveryRows", "3");
        builder.UseSetting("Audit:CheckpointEveryMinutes", "60");
        builder.UseSetting("Audit:CheckpointPollSeconds", "0.1");
    }
}
