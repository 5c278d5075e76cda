namespace DeployGuard.Tests.Infrastructure;

/// <summary>
/// Tests that start the app as child processes (and browsers) run one after another: each instance holds its own
/// connection pools and runner, and several at once would crowd the shared test cluster and the two cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AppProcessCollection
{
    public const string Name = "app processes";
}
