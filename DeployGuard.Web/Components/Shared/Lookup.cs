namespace DeployGuard.Web.Components.Shared;

/// <summary>Something to pick from a list (a service, an environment, a team): its id and the name people read.</summary>
public sealed record Lookup(Guid Id, string Name);
