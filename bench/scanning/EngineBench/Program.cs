using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeployGuard.Scanning;

namespace DeployGuard.Bench.Engine;

/// <summary>
/// Scans a folder (or a repository's history with --history) several times in one process through the public
/// engine API, the way the CLI and the web app's worker call it, and prints one JSON object: bytes, files and
/// seconds of every pass. The first pass pays JIT, regex construction and a cold page cache; the later ones are
/// the engine alone ("warm"). Each pass also reports the process's CPU time (user+sys) and the
/// 1-minute load average. Usage: EngineBench PATH [--history] [--iterations 5] [--parallelism N]
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: EngineBench PATH [--history] [--iterations 5] [--parallelism N]");
            return 2;
        }

        var path = args[0];
        var history = args.Contains("--history");
        var iterations = Option(args, "--iterations", 5);
        var parallelism = Option(args, "--parallelism", Environment.ProcessorCount);
        var scanner = new SecretScanner(options: new ScanOptions { MaxDegreeOfParallelism = parallelism });
        var passes = new List<object>();
        for (var i = 0; i < iterations; i++)
        {
            ScanProgress? last = null;
            var progress = new Latest(p => last = p);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var findings = 0;
            var source = history ? scanner.ScanHistoryAsync(path, progress) : scanner.ScanDirectoryAsync(path, progress);
            await foreach (var _ in source)
            {
                findings++;
            }

            clock.Stop();
            passes.Add(new
            {
                seconds = clock.Elapsed.TotalSeconds,
                // user+sys of the whole process: what the engine costs, which other processes' load barely moves.
                cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds,
                load = File.ReadAllText("/proc/loadavg").Split(' ')[0],
                bytes = last?.BytesScanned ?? 0,
                files = last?.FilesDone ?? 0,
                commits = last?.CommitsDone ?? 0,
                findings,
            });
        }

        Console.WriteLine(JsonSerializer.Serialize(new { path, history, parallelism, passes }));
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    // Progress<T> would post to the thread pool; the last snapshot is all this needs.
    private sealed class Latest(Action<ScanProgress> set) : IProgress<ScanProgress>
    {
        private readonly Lock _gate = new();

        public void Report(ScanProgress value)
        {
            lock (_gate)
            {
                set(value);
            }
        }
    }
}
