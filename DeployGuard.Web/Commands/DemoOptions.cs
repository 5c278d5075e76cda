namespace DeployGuard.Web.Commands;

/// <summary>Section <c>Demo</c>: where <c>seed-demo</c> puts what it makes outside the database.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>The demo's git repository; default: demo-repositories/payment-api next to the embedded cluster's data.</summary>
    public string? RepositoryDirectory { get; set; }
}
