namespace DeployGuard.Cli;

// Not top-level statements: those would declare a global Program class that clashes with the web app's
// Program in the test project, which sees the internals of both.
internal static class Program
{
    public static Task<int> Main(string[] args) => CliApp.RunAsync(args, Console.Out, Console.Error);
}
