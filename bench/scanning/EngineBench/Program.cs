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
        if (args.Contains("--in-memory"))
        {
            return InMemory(path, Option(args, "--iterations", 5));
        }

        var history = args.Contains("--history");
        var iterations = Option(args, "--iterations", 5);
        var parallelism = Option(args, "--parallelism", Environment.ProcessorCount);
        var scanner = new SecretScanner(options: new ScanOptions { MaxDegreeOfParallelism = parallelism });
        var passes = new List<object>();
        for (var i = 0; i < iterations; i++)
        {
            ScanProgress? last = null;
            double? listed = null;
            var clock = new Stopwatch();
            // The first report with a file total: when the folder is listed (a directory scan lists it first).
            var progress = new Latest(p =>
            {
                last = p;
                listed ??= p.FilesTotal > 0 ? clock.Elapsed.TotalSeconds : null;
            });
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            clock.Start();
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
                listedSeconds = listed,
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

    /// <summary>
    /// The detector alone on one thread, on files read into memory once (no I/O, no scheduling): each pass decodes and
    /// scans every file as the directory scan does (<c>ContentScanner.Scan</c>), then a decode-only pass. On a shared
    /// machine the fastest pass is the one that had a core to itself, so the minimum is reported next to the median.
    /// </summary>
    private static int InMemory(string path, int iterations)
    {
        var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.git/", StringComparison.Ordinal))
            .Select(File.ReadAllBytes)
            .Where(b => b.Length > 0 && b.Length <= 5 * 1024 * 1024)
            .ToList();
        var bytes = files.Sum(f => (long)f.Length);
        var scanner = new SecretScanner();
        var compiled = DeployGuard.Scanning.Detection.CompiledConfiguration.Compile(scanner.Configuration);
        var detector = new DeployGuard.Scanning.Detection.Detector(compiled, scanner.Options);
        var scan = new List<double>();
        var decode = new List<double>();
        var candidates = 0;
        var hits = 0;
        var keywords = new List<double>();
        var scanCpu = new List<double>();
        var keywordsCpu = new List<double>();
        var chars = new char[DeployGuard.Scanning.Detection.TextDecoder.MaxChars(files.Max(f => f.Length))];
        for (var i = 0; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            candidates = 0;
            foreach (var file in files)
            {
                candidates += DeployGuard.Scanning.Detection.ContentScanner.Scan(detector, file).Count;
            }

            scan.Add(clock.Elapsed.TotalSeconds);
            scanCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            clock.Restart();
            foreach (var file in files)
            {
                DeployGuard.Scanning.Detection.TextDecoder.Decode(file, chars);
            }

            decode.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            hits = 0;
            foreach (var file in files)
            {
                var n = DeployGuard.Scanning.Detection.TextDecoder.Decode(file, chars);
                foreach (var _ in compiled.Keywords.Hits(chars.AsSpan(0, n)))
                {
                    hits++;
                }
            }

            keywords.Add(clock.Elapsed.TotalSeconds);
            keywordsCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
        }

        var warm = scan.Skip(1).DefaultIfEmpty(scan[0]).Order().ToList();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            path,
            files = files.Count,
            bytes,
            candidates,
            scanMinSeconds = warm[0],
            scanMedianSeconds = warm[warm.Count / 2],
            decodeMinSeconds = decode.Min(),
            keywordHits = hits,
            decodeAndKeywordsMinSeconds = keywords.Min(),
            scanCpuMinSeconds = scanCpu.Skip(1).DefaultIfEmpty(scanCpu[0]).Min(),
            keywordsCpuMinSeconds = keywordsCpu.Min(),
            mbPerSecondOneThreadBest = bytes / 1e6 / warm[0],
            passes = scan,
            load = File.ReadAllText("/proc/loadavg").Split(' ')[0],
        }));
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
