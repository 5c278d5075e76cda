using System.Globalization;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Web.Isolation;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Workers;

/// <summary>
/// Runs a command stage: <c>bash -c "run"</c> through <see cref="CommandIsolation"/> (never as the app's own OS user: as
/// the runner user and/or inside bubblewrap, in a fresh private work directory), with the DG_* variables, the stage's
/// <c>env:</c> and the runner secrets its <c>secrets:</c> names, and nothing else of the app's environment. It streams stdout
/// and stderr line by line into the deployment log (secret values masked), enforces the timeout, and kills the whole
/// process group on timeout, cancellation, or when the shell exits leaving background jobs behind.
/// Lines of the form <c>##dg metric NAME VALUE [UNIT]</c>, <c>##dg url URL</c> and <c>##dg image TAG [SIZE_MB]</c>
/// record metrics and deployment details.
/// </summary>
internal sealed class CommandStage(IOptions<RunnerOptions> options, CommandIsolation isolation, DeploymentEngine engine, ILogger<CommandStage> logger)
{
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(5);
    private const string Mask = "***";

    public async Task<StageOutcome> RunAsync(ClaimedStage stage, StageLogWriter log, Func<int, Task> started, CancellationToken cancel)
    {
        var definition = stage.Definition;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in stage.Context.Variables(stage.Name))
        {
            environment[name] = value;
        }

        foreach (var (name, value) in definition.Env ?? [])
        {
            environment[name] = value;
        }

        var secrets = new List<string>();
        foreach (var name in definition.Secrets ?? [])
        {
            if (!options.Value.Secrets.TryGetValue(name, out var value))
            {
                return StageOutcome.Failed($"The secret '{name}' is not configured on this runner (Deployments:Runner:Secrets:{name}).");
            }

            environment[name] = value;
            if (value.Length > 0)
            {
                secrets.Add(value);
            }
        }

        IsolatedProcess command;
        try
        {
            command = await isolation.StartAsync(new IsolatedCommand
            {
                Arguments = ["bash", "-c", definition.Run ?? ""],
                Environment = environment,
                WorkingDirectory = definition.Cwd,
            });
        }
        catch (IsolationRefusedException ex)
        {
            return StageOutcome.Failed(ex.Message);
        }

        await using var _ = command;
        var process = command.Process;
        process.StandardInput.Close();
        var group = command.ProcessGroup;
        await started(group);
        await log.WriteAsync(DeploymentLogLevel.Debug, "command_started",
            $"$ {definition.Run}  (pid {process.Id}, cwd {command.WorkingDirectory}, isolation: {command.Plan.Description})", cancel);
        var masked = secrets.OrderByDescending(v => v.Length).ToList();
        var stdout = PumpAsync(stage, process.StandardOutput, log, DeploymentLogLevel.Info, "stdout", directives: true, masked);
        var stderr = PumpAsync(stage, process.StandardError, log, DeploymentLogLevel.Warning, "stderr", directives: false, masked);

        var timeout = TimeSpan.FromSeconds(definition.TimeoutSeconds ?? 600);
        using var timer = new CancellationTokenSource(timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancel, timer.Token);
        try
        {
            await process.WaitForExitAsync(either.Token);
        }
        catch (OperationCanceledException)
        {
            await ProcessGroup.StopAsync(group, KillGrace);
            if (!process.HasExited)
            {
                // Killed before setsid ran: no group yet, so take the tree by parentage.
                process.Kill(entireProcessTree: true);
            }

            await WaitQuietlyAsync(process.WaitForExitAsync(), KillGrace);
            await WaitQuietlyAsync(Task.WhenAll(stdout, stderr), DrainLimit);
            if (cancel.IsCancellationRequested)
            {
                return new StageOutcome(StageStatus.Cancelled, null, "Stopped: the command and its child processes were killed.");
            }

            return StageOutcome.Failed(
                $"Timed out after {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; the command and its child processes were killed.",
                process.HasExited ? process.ExitCode : null);
        }

        // The shell is done; background jobs it left in its group would hold the pipes open and outlive the stage.
        if (ProcessGroup.Exists(group))
        {
            ProcessGroup.Kill(group);
            await log.WriteAsync(DeploymentLogLevel.Debug, "command_cleanup", "Killed processes the command left running in the background.",
                CancellationToken.None);
        }

        await WaitQuietlyAsync(Task.WhenAll(stdout, stderr), DrainLimit);
        var exit = process.ExitCode;
        return exit == 0 ? StageOutcome.Succeeded(0) : StageOutcome.Failed($"The command exited with code {exit}.", exit);
    }

    private async Task PumpAsync(ClaimedStage stage, StreamReader reader, StageLogWriter log, DeploymentLogLevel level, string eventType,
        bool directives, IReadOnlyList<string> secrets)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } raw)
            {
                // Like CI systems do: a secret the stage was given never reaches the log, whoever prints it.
                var line = raw;
                foreach (var secret in secrets)
                {
                    line = line.Replace(secret, Mask, StringComparison.Ordinal);
                }

                if (directives && line.StartsWith("##dg ", StringComparison.Ordinal))
                {
                    await ApplyDirectiveAsync(stage, line, log);
                }

                await log.WriteAsync(level, eventType, line);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe closed under us (process killed): nothing more to read.
        }
    }

    private async Task ApplyDirectiveAsync(ClaimedStage stage, string line, StageLogWriter log)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            switch (parts)
            {
                case [_, "metric", var name, var value, ..] when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number):
                    await engine.RecordMetricAsync(stage.DeploymentId, stage.StageId, name.Length > 100 ? name[..100] : name, number,
                        parts.Length > 4 ? parts[4][..Math.Min(20, parts[4].Length)] : null);
                    break;
                case [_, "url", var url] when Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https":
                    await engine.UpdateDeploymentDetailsAsync(stage.DeploymentId, url.Length > 500 ? url[..500] : url, null, null);
                    break;
                case [_, "image", var tag, ..]:
                    double? size = parts.Length > 3 && double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var mb) ? mb : null;
                    await engine.UpdateDeploymentDetailsAsync(stage.DeploymentId, null, tag.Length > 200 ? tag[..200] : tag, size);
                    break;
                default:
                    await log.WriteAsync(DeploymentLogLevel.Warning, "directive", $"Ignored unknown or malformed directive: {line}");
                    break;
            }
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Could not apply directive {Line}", line);
        }
    }

    private static async Task WaitQuietlyAsync(Task task, TimeSpan limit)
    {
        try
        {
            await task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            // Give up on stragglers; the stage result does not depend on them.
        }
    }
}
