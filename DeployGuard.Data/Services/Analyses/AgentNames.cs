namespace DeployGuard.Data.Services.Analyses;

/// <summary>The agents (seed 02's agent_type, seed 03's agent_name) and the version their output format has.</summary>
public static class AgentNames
{
    public const string Prioritization = "prioritization";
    public const string SupplyChain = "supply_chain";
    public const string Remediation = "remediation";
    public const string Security = "security";

    /// <summary>Bumped when an agent's prompt or output shape changes, so old rows can be told apart.</summary>
    public const string Version = "1.0";

    public static IReadOnlyList<string> All { get; } = [Prioritization, SupplyChain, Remediation, Security];

    public static bool IsKnown(string name) => All.Contains(name);
}
