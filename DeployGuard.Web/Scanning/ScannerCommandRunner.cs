using System.Diagnostics;
using System.Text;
using DeployGuard.Data.Services.Scanning;
using DeployGuard.Web.Isolation;
using DeployGuard.Web.Workers;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Scanning;

/// <summary>What a scanner command left: its report on the app's side (deleted with the result), or why there is none.</summary>
internal sealed class ScannerOutput : IAsyncDisposable
{
    public required string ReportPath { get; init; }
    public long Bytes { get; init; }
    public int? ExitCode { get; init; }
    public TimeSpan Elapsed { get; init; }
    /// <summary>The isolation it ran under, for logs ("runner user deployguard-runner in bubblewrap").</summary>
    public string Isolation { get; init; } = "";
    /// <summary>The end of its standard error (at most 2 KB), for the failure message.</summary>
    public string StderrTail { get; init; } = "";
    /// <summary>Null when it produced a report worth importing; otherwise what went wrong, said to people.</summary>
    public string? Error { get; init; }

    public Stream Open() => new FileStream(ReportPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

    public ValueTask DisposeAsync()
    {
        try
        {
            File.Delete(ReportPath);
        }
        catch (IOException)
        {
            // Temporary folder housekeeping only.
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Runs a configured scanner command (<c>Scanning:Scanners:&lt;type&gt;</c>, e.g. <c>trivy image --format json --quiet {target}</c>)
/// the way stage commands run: through <see cref="CommandIsolation"/> (never as the app's OS user; the app's data folder,
/// keys, configuration and database files are not visible), with no shell (the template is split into words and
/// <c>{target}</c> is one argument, so a target cannot inject commands), a time limit (<c>Scanning:ScannerTimeoutSeconds</c>)
/// and an output limit (<c>Scanning:MaxReportBytes</c>): its standard output is the report, copied to a private file of
/// the app and cut off (the command killed) when it grows past the limit.
/// </summary>
internal sealed class ScannerCommandRunner(CommandIsolation isolation, IOptions<ScanningOptions> options, ILogger<ScannerCommandRunner> logger)
{
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(3);
    private const int StderrTailChars = 2048;

    /// <summary>The argv of <paramref name="template"/> for <paramref name="target"/>: words split like a shell would (quotes, no expansion).</summary>
    public static IReadOnlyList<string> Arguments(string template, string target)
    {
        var words = Words(template);
        if (words.Count == 0)
        {
            throw new ArgumentException("The scanner command is empty.", nameof(template));
        }

        return words.Select(w => w.Replace("{target}", target, StringComparison.Ordinal)).ToList();
    }

    public async Task<ScannerOutput> RunAsync(string template, string target, IReadOnlyList<string> readOnlyPaths, IReadOnlyDictionary<string, string>? environment,
        CancellationToken ct)
    {
        var settings = options.Value;
        var reportDirectory = Path.Combine(settings.ResolveWorkDirectory(), "scanner-output");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(reportDirectory);
        }
        else
        {
            // The report is the app's, not the commands': only the app's user reads it.
            Directory.CreateDirectory(reportDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var reportPath = Path.Combine(reportDirectory, $"{Guid.CreateVersion7():N}.json");
        var watch = Stopwatch.StartNew();
        if (Data.Services.Vulnerabilities.ScannerTargets.Refuse(target) is { } refused)
        {
            return new ScannerOutput { ReportPath = reportPath, Error = refused };
        }

        IsolatedProcess command;
        try
        {
            command = await isolation.StartAsync(new IsolatedCommand
            {
                Arguments = Arguments(template, target),
                Environment = environment ?? new Dictionary<string, string>(),
                ReadOnlyPaths = readOnlyPaths,
            });
        }
        catch (IsolationRefusedException ex)
        {
            return new ScannerOutput { ReportPath = reportPath, Error = ex.Message.Replace("Command stages are refused", "Scanner commands are refused", StringComparison.Ordinal) };
        }

        await using var _ = command;
        var process = command.Process;
        process.StandardInput.Close();
        var stderr = new StringBuilder();
        var stderrPump = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardError.ReadAsync(buffer, CancellationToken.None)) > 0)
            {
                stderr.Append(buffer, 0, read);
                if (stderr.Length > StderrTailChars * 2)
                {
                    stderr.Remove(0, stderr.Length - StderrTailChars);
                }
            }
        }, CancellationToken.None);

        var limit = settings.MaxReportBytes;
        var timeout = TimeSpan.FromSeconds(settings.ScannerTimeoutSeconds);
        using var timer = new CancellationTokenSource(timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        long bytes = 0;
        string? error = null;
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var file = new FileStream(reportPath, create))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await process.StandardOutput.BaseStream.ReadAsync(buffer, either.Token)) > 0)
                {
                    bytes += read;
                    if (bytes > limit)
                    {
                        error = $"The scanner printed more than {limit:N0} bytes (Scanning:MaxReportBytes); it was stopped and nothing was imported.";
                        break;
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), either.Token);
                }
            }

            if (error is null)
            {
                await process.WaitForExitAsync(either.Token);
            }
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            error = $"The scanner did not finish within {timeout.TotalSeconds:N0} s (Scanning:ScannerTimeoutSeconds); it was stopped and nothing was imported.";
        }
        finally
        {
            // Whatever happened, nothing of the scanner outlives this call.
            if (ProcessGroup.Exists(command.ProcessGroup))
            {
                await ProcessGroup.StopAsync(command.ProcessGroup, KillGrace);
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        await process.WaitForExitAsync(CancellationToken.None);
        await Task.WhenAny(stderrPump, Task.Delay(KillGrace, CancellationToken.None));
        var tail = stderr.ToString();
        tail = tail.Length > StderrTailChars ? tail[^StderrTailChars..] : tail;
        var exit = process.ExitCode;
        if (error is null && exit != 0)
        {
            error = $"The scanner exited with code {exit}" + (tail.Trim().Length > 0 ? $": {LastLines(tail, 5)}" : ".");
        }

        if (error is null && bytes == 0)
        {
            error = "The scanner printed nothing on its standard output (its JSON report is expected there).";
        }

        logger.LogInformation("Scanner {Program} for {Target}: exit {Exit}, {Bytes} bytes in {Elapsed} ms ({Isolation})", Words(template)[0], target, exit,
            bytes, watch.ElapsedMilliseconds, command.Plan.Description);
        return new ScannerOutput
        {
            ReportPath = reportPath, Bytes = bytes, ExitCode = exit, Elapsed = watch.Elapsed, Isolation = command.Plan.Description, StderrTail = tail,
            Error = error,
        };
    }

    private static string LastLines(string text, int count) =>
        string.Join(" / ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(count));

    /// <summary>Splits like a POSIX shell without expansion: whitespace separates, '…' and "…" quote, \ escapes outside single quotes.</summary>
    internal static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote == '\'')
            {
                if (c == '\'') { quote = '\0'; } else { current.Append(c); }
            }
            else if (quote == '"')
            {
                if (c == '"') { quote = '\0'; }
                else if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\') { current.Append(text[++i]); }
                else { current.Append(c); }
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                inWord = true;
                if (c is '\'' or '"') { quote = c; }
                else if (c == '\\' && i + 1 < text.Length) { current.Append(text[++i]); }
                else { current.Append(c); }
            }
        }

        if (quote != '\0')
        {
            throw new ArgumentException("The scanner command has an unclosed quote.", nameof(text));
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
