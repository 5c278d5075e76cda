namespace DeployGuard.Tests.Bench;

/// <summary>A measurement, not a test: runs only with DG_BENCH=1 (bench/deployments/run.sh), skipped otherwise.</summary>
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("DG_BENCH") != "1")
        {
            Skip = "Benchmark: run bench/deployments/run.sh";
        }

        Timeout = 30 * 60 * 1000;
    }
}

/// <summary>Percentiles and where results go.</summary>
public static class BenchResults
{
    public static double EpochMs(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).TotalMilliseconds;

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.OrderBy(v => v).ToList();
        var rank = p / 100.0 * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    public static string Summary(string name, IReadOnlyList<double> values, string unit = "ms") =>
        $"{name}: n={values.Count} p50={Percentile(values, 50):0.0}{unit} p95={Percentile(values, 95):0.0}{unit} " +
        $"min={values.DefaultIfEmpty(double.NaN).Min():0.0}{unit} max={values.DefaultIfEmpty(double.NaN).Max():0.0}{unit}";

    public static void Write(string file, string text) => Write("deployments", file, text);

    /// <summary>Appends a line to bench/&lt;area&gt;/results/&lt;file&gt;.</summary>
    public static void Write(string area, string file, string text)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeployGuard.sln")))
        {
            dir = dir.Parent;
        }

        var folder = Path.Combine(dir!.FullName, "bench", area, "results");
        Directory.CreateDirectory(folder);
        File.AppendAllText(Path.Combine(folder, file), $"[{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z] {text}{Environment.NewLine}");
    }
}
