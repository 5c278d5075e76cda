using System.Threading.Channels;
using DeployGuard.Data.Services.Common;

namespace DeployGuard.Data.Services.Analyses;

/// <summary>An agent run someone asked for.</summary>
public sealed record AnalysisRequest(Guid ScanId, string Agent, Caller Caller);

/// <summary>
/// The runs waiting for <see cref="AnalysisWorker"/>, in this process. The product has no general job queue yet (main
/// is getting one); until then a restart drops waiting runs, which only means asking again: nothing was stored for them.
/// </summary>
public sealed class AnalysisQueue
{
    // Bounded, so a flood of requests is refused instead of growing memory without end.
    private readonly Channel<AnalysisRequest> channel = Channel.CreateBounded<AnalysisRequest>(new BoundedChannelOptions(1000)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = false,
    });

    public bool TryEnqueue(AnalysisRequest request) => channel.Writer.TryWrite(request);

    public IAsyncEnumerable<AnalysisRequest> ReadAllAsync(CancellationToken ct) => channel.Reader.ReadAllAsync(ct);
}
