namespace DeployGuard.Web;

/// <summary>Section <c>ForwardedHeaders</c>.</summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Trust X-Forwarded-For/-Proto (client address in audit rows, https links) when behind a reverse proxy.</summary>
    public bool Enabled { get; set; }
}
