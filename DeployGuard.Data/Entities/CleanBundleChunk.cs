namespace DeployGuard.Data.Entities;

/// <summary>
/// One piece of a cleaned repository's git bundle. Bundles live in PostgreSQL, so any instance can serve the download
/// of a cleaning that another instance ran; pieces keep reads and writes at a bounded size.
/// </summary>
public class CleanBundleChunk
{
    /// <summary>Size of every piece but the last.</summary>
    public const int Size = 1024 * 1024;

    public Guid CleanJobId { get; set; }
    public int Seq { get; set; }
    public byte[] Data { get; set; } = [];
}
