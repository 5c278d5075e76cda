using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DeployGuard.Scanning.Detection;
using DeployGuard.Scanning.Git;
using DeployGuard.Scanning.Rules;

namespace DeployGuard.Scanning;

/// <summary>
/// The detection engine's entry point. Build one per configuration (rules are compiled once) and share it:
/// it is thread-safe. Findings stream out as they are found, in no particular order; raw secret values
/// never leave this assembly.
/// </summary>
public sealed class SecretScanner
{
    private readonly CompiledConfiguration _compiled;
    private readonly Detector _detector;
    private readonly PathFilter _filter;

    /// <exception cref="ScannerConfigurationException">A rule or allowlist is invalid.</exception>
    public SecretScanner(ScannerConfiguration? configuration = null, ScanOptions? options = null)
    {
        Configuration = configuration ?? ScannerConfiguration.Default;
        Options = options ?? new ScanOptions();
        _compiled = CompiledConfiguration.Compile(Configuration);
        _detector = new Detector(_compiled, Options);
        _filter = new PathFilter(Options, _compiled);
    }

    public ScannerConfiguration Configuration { get; }

    public ScanOptions Options { get; }

    /// <summary>Scans one piece of text as if it were the file at <paramref name="filePath"/>.</summary>
    public IReadOnlyList<Finding> ScanText(string content, string filePath = "stdin")
    {
        ArgumentNullException.ThrowIfNull(content);
        return _detector.Detect(content)
            .Select(c => _detector.ToFinding(c, filePath, commit: null))
            .OfType<Finding>()
            .ToList();
    }

    /// <summary>
    /// Scans the files under <paramref name="path"/> (or the single file it names), skipping vendored folders,
    /// binary files and files over <see cref="ScanOptions.MaxFileSizeBytes"/>.
    /// </summary>
    public IAsyncEnumerable<Finding> ScanDirectoryAsync(string path, IProgress<ScanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var tracker = new ProgressTracker(progress);
        return Stream((output, ct) => new DirectoryScan(_detector, _filter, Options, tracker).RunAsync(path, output, ct), tracker, cancellationToken);
    }

    /// <summary>
    /// Scans every commit of every branch and tag of the git repository at <paramref name="repositoryPath"/>
    /// (a work tree or a bare repository), reporting each secret at the commit that introduced it.
    /// </summary>
    /// <exception cref="GitException">The path is not a repository, or git failed.</exception>
    public IAsyncEnumerable<Finding> ScanHistoryAsync(string repositoryPath, IProgress<ScanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryPath);
        var tracker = new ProgressTracker(progress);
        return Stream((output, ct) => new HistoryScan(_detector, _filter, Options, tracker).RunAsync(repositoryPath, output, ct), tracker, cancellationToken);
    }

    /// <summary>
    /// Scans the changes staged in the git repository at <paramref name="repositoryPath"/> (its index against HEAD),
    /// reporting the secrets that committing them would add, at their line in the staged version.
    /// </summary>
    /// <exception cref="GitException">The path is not a repository, or git failed.</exception>
    public IAsyncEnumerable<Finding> ScanStagedAsync(string repositoryPath, IProgress<ScanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryPath);
        var tracker = new ProgressTracker(progress);
        return Stream((output, ct) => new StagedScan(_detector, _filter, Options, tracker).RunAsync(repositoryPath, output, ct), tracker, cancellationToken);
    }

    /// <summary>For the cleaner: the same scan, with a detector that hands raw values to <paramref name="sink"/>.</summary>
    internal IAsyncEnumerable<Finding> ScanHistoryAsync(string repositoryPath, RawValueSink sink, CancellationToken cancellationToken)
    {
        var detector = new Detector(_compiled, Options, sink);
        var tracker = new ProgressTracker(null);
        return Stream((output, ct) => new HistoryScan(detector, _filter, Options, tracker).RunAsync(repositoryPath, output, ct), tracker, cancellationToken);
    }

    private static async IAsyncEnumerable<Finding> Stream(
        Func<ChannelWriter<Finding>, CancellationToken, Task> run,
        ProgressTracker tracker,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var output = Channel.CreateBounded<Finding>(new BoundedChannelOptions(1024) { SingleReader = true });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            try
            {
                await run(output.Writer, cts.Token);
                output.Writer.Complete();
            }
            catch (Exception e)
            {
                output.Writer.Complete(e);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var finding in output.Reader.ReadAllAsync(cancellationToken))
            {
                yield return finding;
            }
        }
        finally
        {
            // The consumer stopped early (or failed): stop the producer and its git processes.
            await cts.CancelAsync();
            await producer;
        }

        tracker.Complete();
    }
}
