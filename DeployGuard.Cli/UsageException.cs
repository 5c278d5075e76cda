namespace DeployGuard.Cli;

/// <summary>The command line is well-formed but does not make sense; the message says what to do.</summary>
internal sealed class UsageException(string message) : Exception(message);
