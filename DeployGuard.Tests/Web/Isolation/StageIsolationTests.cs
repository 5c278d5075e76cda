using System.Security.Cryptography;
using DeployGuard.Data.Entities;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DeployGuard.Tests.Web.Isolation;

/// <summary>
/// Stage commands run by the real app (in-process, its own runner) try what the issue's attacker did: read the app's data
/// folder, its keys, the database's password files and socket, the app's environment, and connect to the database.
/// Every attempt fails and the log holds none of the values. The same tests run for each isolation the root path offers
/// (CI runs as root); <see cref="UnprivilegedIsolationTests"/> covers the bubblewrap path of an app that is not root.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class StageIsolationTests<TFactory>(TFactory app) where TFactory : IsolationAppFactory
{
    [Fact]
    public async Task CommandStage_ReachingForTheAppsSecrets_GetsNoneOfThemAndItsLogHoldsNone()
    {
        await using var kit = await DeploymentTestKit.CreateAsync(app.ConnectionString);
        var database = new NpgsqlConnectionStringBuilder(app.ConnectionString);
        var files = SecretFiles().ToList();
        var folders = new[] { TestPostgres.ClusterDirectory!, Path.Combine(TestPostgres.ClusterDirectory!, "data"), Path.Combine(app.DataDirectory, "keys") };
        var id = await DeployAsync(kit, $$"""
            stages:
              - name: attack
                kind: command
                env:
                  FILES: "{{string.Join(' ', files)}}"
                  FOLDERS: "{{string.Join(' ', folders)}}"
                  PGPORT: "{{database.Port}}"
                  PGDB: "{{database.Database}}"
                  SOCKETS: "{{Path.Combine(TestPostgres.ClusterDirectory!, "data")}}"
                run: |
                  echo "identity: $(id -u) $(id -un 2>/dev/null)"
                  for f in $FILES; do if cat "$f"; then echo "LEAK file $f"; fi; done
                  for d in $FOLDERS; do if [ -n "$(ls -A "$d" 2>/dev/null)" ]; then echo "LEAK folder $d"; fi; done
                  if psql "host=127.0.0.1 port=$PGPORT dbname=$PGDB user={{TestPostgres.AppRole}} connect_timeout=5" -c 'SELECT 1'; then echo "LEAK database as app"; fi
                  if psql "host=127.0.0.1 port=$PGPORT dbname=$PGDB user=deployguard connect_timeout=5" -c 'SELECT 1'; then echo "LEAK database as superuser"; fi
                  if psql "host=$SOCKETS port=$PGPORT dbname=$PGDB user=deployguard connect_timeout=5" -c 'SELECT 1'; then echo "LEAK database socket"; fi
                  for p in /proc/[0-9]*; do if tr '\0' '\n' < $p/environ 2>/dev/null | grep -qi -e password= -e ConnectionStrings; then echo "LEAK environ $p"; fi; done
                  env
                  exit 0
            """);

        var deployment = await kit.WaitForFinishAsync(id, TimeSpan.FromSeconds(60));

        var logs = await kit.LogsAsync(id);
        // What the command printed (the script itself, with its LEAK markers, is logged as command_started).
        var text = string.Join('\n', logs.Where(l => l.EventType is "stdout" or "stderr").Select(l => l.Message));
        Assert.Equal(DeploymentStatus.Succeeded, deployment.Status);
        Assert.Empty(logs.Where(l => l.EventType is "stdout" or "stderr" && l.Message.Contains("LEAK", StringComparison.Ordinal)).Select(l => l.Message));
        var identity = logs.Single(l => l.Message.StartsWith("identity: ", StringComparison.Ordinal)).Message.Split(' ');
        Assert.NotEqual("0", identity[1]);
        Assert.NotEqual(app.ExpectedAppUid, identity[1]);
        Assert.Contains(files, f => f.EndsWith("audit-signing-key.pem", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("data-protection.pfx", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("secret-hash.key", StringComparison.Ordinal));
        foreach (var file in files.Where(f => File.Exists(f) && !f.EndsWith(".pfx", StringComparison.Ordinal)))
        {
            foreach (var line in File.ReadAllLines(file).Where(l => l.Trim().Length >= 8))
            {
                Assert.DoesNotContain(line.Trim(), text);
            }
        }

        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(app.ConnectionString).Password!, text);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(TestPostgres.AsOwner(app.ConnectionString)).Password!, text);
        Assert.DoesNotContain("ConnectionStrings", text);
        // The database said no for want of a password (none is reachable), not because it was down.
        Assert.Contains(logs, l => l.Message.Contains("no password supplied", StringComparison.Ordinal) ||
                                   l.Message.Contains("password authentication failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CommandStage_EachStage_WorksInAFreshPrivateDirectoryThatIsRemovedAfterwards()
    {
        await using var kit = await DeploymentTestKit.CreateAsync(app.ConnectionString);
        var id = await DeployAsync(kit, """
            stages:
              - name: first
                kind: command
                run: echo "dir=$PWD mode=$(stat -c %a .) home=$HOME"; echo secret-build-output > artifact.txt; mkdir locked; chmod 000 locked
              - name: second
                kind: command
                run: echo "dir=$PWD"; ls -A; echo "tmp=$TMPDIR"
            """);

        var deployment = await kit.WaitForFinishAsync(id, TimeSpan.FromSeconds(60));

        Assert.Equal(DeploymentStatus.Succeeded, deployment.Status);
        var logs = (await kit.LogsAsync(id)).Select(l => l.Message).ToList();
        var first = logs.Single(l => l.StartsWith("dir=", StringComparison.Ordinal) && l.Contains("mode=")).Split(' ');
        var second = logs.Single(l => l.StartsWith("dir=", StringComparison.Ordinal) && !l.Contains("mode="));
        var firstDir = first[0]["dir=".Length..];
        Assert.Equal("mode=700", first[1]);
        Assert.Equal($"home={firstDir}", first[2]);
        Assert.NotEqual($"dir={firstDir}", second);
        Assert.DoesNotContain("artifact.txt", logs);
        Assert.Contains(logs, l => l.StartsWith("tmp=" + second["dir=".Length..], StringComparison.Ordinal));
        Assert.False(Directory.Exists(firstDir), $"{firstDir} was left behind");
        Assert.False(Directory.Exists(second["dir=".Length..]));
    }

    [Fact]
    public async Task CommandStage_NamedSecret_IsInItsEnvironmentMaskedInTheLogAndOthersAreNot()
    {
        await using var kit = await DeploymentTestKit.CreateAsync(app.ConnectionString);
        var id = await DeployAsync(kit, """
            stages:
              - name: deploy
                kind: command
                secrets: [DEPLOY_TOKEN]
                run: echo "token=$DEPLOY_TOKEN length=${#DEPLOY_TOKEN}"; echo "other=${OTHER_TOKEN:-unset}"
            """);

        var deployment = await kit.WaitForFinishAsync(id, TimeSpan.FromSeconds(60));

        Assert.Equal(DeploymentStatus.Succeeded, deployment.Status);
        var logs = (await kit.LogsAsync(id)).Select(l => l.Message).ToList();
        Assert.Contains($"token=*** length={app.DeployToken.Length}", logs);
        Assert.Contains("other=unset", logs);
        Assert.DoesNotContain(logs, l => l.Contains(app.DeployToken, StringComparison.Ordinal) || l.Contains(app.OtherToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CommandStage_UnconfiguredSecretOrForeignCwd_FailsSayingWhy()
    {
        await using var kit = await DeploymentTestKit.CreateAsync(app.ConnectionString);
        var unknown = await DeployAsync(kit, "stages:\n  - name: s\n    kind: command\n    secrets: [NOT_THERE]\n    run: 'true'");
        var foreign = await DeployAsync(kit, $"stages:\n  - name: s\n    kind: command\n    cwd: {app.DataDirectory}\n    run: ls");

        var first = await kit.WaitForFinishAsync(unknown, TimeSpan.FromSeconds(60));
        var second = await kit.WaitForFinishAsync(foreign, TimeSpan.FromSeconds(60));

        Assert.Equal("The secret 'NOT_THERE' is not configured on this runner (Deployments:Runner:Secrets:NOT_THERE).", first.Stages.Single().Error);
        Assert.StartsWith($"The working directory '{app.DataDirectory}' is not allowed", second.Stages.Single().Error);
    }

    private IEnumerable<string> SecretFiles()
    {
        yield return Path.Combine(TestPostgres.ClusterDirectory!, "password");
        foreach (var file in Directory.EnumerateFiles(app.DataDirectory, "*", SearchOption.AllDirectories))
        {
            yield return file;
        }
    }

    private static async Task<Guid> DeployAsync(DeploymentTestKit kit, string yaml)
    {
        var environment = await kit.EnvironmentAsync("iso");
        var service = await kit.ServiceAsync(yaml);
        return await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id);
    }
}

/// <summary>The app in-process with its runner, a secret to hand out and a key in its data folder that no stage may read.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class IsolationAppFactory(string? isolation) : WebAppFactory
{
    public string DeployToken { get; } = "dg-deploy-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public string OtherToken { get; } = "dg-other-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The uid the app itself runs as (a stage must not have it).</summary>
    public string ExpectedAppUid => Environment.UserName == "root" ? "0" : File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:")).Split('\t')[1];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var keys = Directory.CreateDirectory(Path.Combine(DataDirectory, "keys"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(Path.Combine(keys.FullName, "test-only.key"), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n");
        File.SetUnixFileMode(Path.Combine(keys.FullName, "test-only.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // Start the host (and so its runner) now: the tests only talk to the database. And make every key file the app keeps
        // (signing key, secret-hash key; the Data Protection certificate exists from the start) so the stages try them all.
        _ = Services.GetRequiredService<DeployGuard.Web.Audit.AuditSigningKey>().KeyId;
        _ = Services.GetRequiredService<DeployGuard.Data.Services.Scanning.SecretHashKey>().KeyId;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Jobs:PollIntervalMilliseconds", "200");
        builder.UseSetting("Deployments:Runner:Secrets:DEPLOY_TOKEN", DeployToken);
        builder.UseSetting("Deployments:Runner:Secrets:OTHER_TOKEN", OtherToken);
        if (isolation is not null)
        {
            builder.UseSetting("Deployments:Runner:Isolation", isolation);
        }
    }
}

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AutoIsolationAppFactory() : IsolationAppFactory(null);

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RunnerUserIsolationAppFactory() : IsolationAppFactory(Environment.UserName == "root" ? "RunnerUser" : "Bubblewrap");

/// <summary>The default: as root (CI) the runner user inside bubblewrap.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AutoStageIsolationTests(AutoIsolationAppFactory app)
    : StageIsolationTests<AutoIsolationAppFactory>(app), IClassFixture<AutoIsolationAppFactory>;

/// <summary>
/// Root without bubblewrap (e.g. a container that forbids namespaces): the runner user alone. (Run by an ordinary user, the
/// runner user is not available and the same tests run with bubblewrap named explicitly.)
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RunnerUserStageIsolationTests(RunnerUserIsolationAppFactory app)
    : StageIsolationTests<RunnerUserIsolationAppFactory>(app), IClassFixture<RunnerUserIsolationAppFactory>;

/// <summary>
/// The app as an ordinary user (not root, as most installations run it): its stages run inside bubblewrap. The app process
/// runs as 'nobody' through setpriv, with its data folder, keys and the database's connection strings in its own
/// environment; a stage must reach none of it.
/// </summary>
[Collection(AppProcessCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UnprivilegedIsolationTests : IAsyncLifetime
{
    private const int Nobody = 65534;
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"dg-nobody-{Guid.NewGuid():N}");
    private readonly string _runs = Path.Combine(Path.GetTempPath(), $"dg-nobody-runs-{Guid.NewGuid():N}");

    public Task InitializeAsync()
    {
        foreach (var dir in new[] { _data, _runs, Path.Combine(_data, "keys") })
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        File.WriteAllText(Path.Combine(_data, "keys", "test-only.key"), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n");
        File.SetUnixFileMode(Path.Combine(_data, "keys", "test-only.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (Environment.UserName == "root")
        {
            using var chown = System.Diagnostics.Process.Start("chown", ["-R", $"{Nobody}:{Nobody}", _data, _runs]);
            chown.WaitForExit();
        }

        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        foreach (var dir in new[] { _data, _runs })
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task CommandStage_OfAnAppThatIsNotRoot_RunsInBubblewrapAndReachesNoneOfTheAppsSecrets()
    {
        // As root (CI) the app runs as 'nobody'; run by an ordinary user, as that user.
        (int, int)? runAs = Environment.UserName == "root" ? (Nobody, Nobody) : null;
        var connectionString = await TestPostgres.CreateDatabaseAsync("nobody");
        await using var kit = await DeploymentTestKit.CreateAsync(connectionString);
        await using var app = await AppProcess.StartAsync(connectionString, settings: new Dictionary<string, string>
        {
            ["DataDirectory"] = _data, ["HOME"] = _data, ["Deployments:Runner:WorkDirectory"] = _runs,
            ["Jobs:PollIntervalMilliseconds"] = "200",
        }, environment: "Production", runAs: runAs);
        var key = Path.Combine(_data, "keys", "test-only.key");
        var environment = await kit.EnvironmentAsync("nobody");
        var service = await kit.ServiceAsync($$"""
            stages:
              - name: attack
                kind: command
                run: |
                  echo "identity: $(id -u)"
                  for f in {{key}} {{_data}}; do if [ -e "$f" ]; then echo "LEAK visible $f"; fi; done
                  for p in /proc/[0-9]*; do if tr '\0' '\n' < $p/environ 2>/dev/null | grep -qi -e password= -e ConnectionStrings; then echo "LEAK environ $p"; fi; done
                  if cat /proc/{{app.Process.Id}}/environ; then echo "LEAK app environ"; fi
                  echo "home=$HOME"
                  touch /usr/bin/dg-intruder || echo "system folders are read-only"
            """);
        var id = await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id);

        var deployment = await kit.WaitForFinishAsync(id, TimeSpan.FromSeconds(90));

        var entries = await kit.LogsAsync(id);
        var logs = entries.Select(l => l.Message).ToList();
        var text = string.Join('\n', logs);
        Assert.True(deployment.Status == DeploymentStatus.Succeeded, text + "\n" + app.Output);
        Assert.Contains(logs, l => l.Contains("isolation: inside bubblewrap", StringComparison.Ordinal));
        Assert.Contains($"identity: {(runAs is null ? File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:")).Split('\t')[1] : Nobody)}", logs);
        Assert.Empty(entries.Where(l => l.EventType is "stdout" or "stderr" && l.Message.Contains("LEAK", StringComparison.Ordinal)).Select(l => l.Message));
        Assert.DoesNotContain((await File.ReadAllTextAsync(key)).Trim(), text);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(connectionString).Password!, text);
        Assert.Contains("system folders are read-only", logs);
        Assert.False(File.Exists("/usr/bin/dg-intruder"));
    }
}

/// <summary>Where the isolation an admin asked for cannot work, command stages are refused with the reason, never run unisolated.</summary>
public sealed class IsolationRefusalTests
{
    [Fact]
    public async Task CommandStage_IsolationNotAvailable_FailsWithTheReasonAndRunsNothing()
    {
        // As root: a runner user that does not exist; as an ordinary user: the runner user (which needs root).
        await using var kit = await DeploymentTestKit.CreateAsync(runner: true, runnerOptions: o =>
        {
            o.Isolation = DeployGuard.Web.Isolation.IsolationMode.RunnerUser;
            o.RunnerUser = "dg-no-such-user";
        });
        var environment = await kit.EnvironmentAsync("refused");
        var service = await kit.ServiceAsync("stages:\n  - name: s\n    kind: command\n    run: echo ran");

        var deployment = await kit.WaitForFinishAsync(await kit.StartAsync(await kit.ReleaseAsync(service.Id), environment.Id));

        var stage = deployment.Stages.Single();
        Assert.Equal(StageStatus.Failed, stage.Status);
        Assert.StartsWith("Command stages are refused on this runner: ", stage.Error);
        Assert.Contains(Environment.UserName == "root" ? "'dg-no-such-user' that commands run as does not exist" : "needs DeployGuard to run as root",
            stage.Error);
        Assert.DoesNotContain(await kit.LogsAsync(deployment.Id), l => l.Message == "ran");
    }
}
