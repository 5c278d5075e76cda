using Microsoft.AspNetCore.Authorization;

namespace DeployGuard.Web.Auth;

/// <summary>
/// CI machine tokens are scoped to one service and may call only the endpoints marked with
/// <see cref="AllowServiceTokens{TBuilder}"/> (reporting an external stage's result and metrics, reading that
/// deployment); those endpoints check the service themselves. Every policy carries this requirement, so a new
/// endpoint is closed to service tokens unless it says otherwise.
/// </summary>
public static class ServiceTokens
{
    /// <summary>Endpoint metadata: service-scoped tokens may call this endpoint.</summary>
    public sealed class AllowedAttribute : Attribute;

    public static TBuilder AllowServiceTokens<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowedAttribute());

    internal sealed class Requirement : AuthorizationHandler<Requirement>, IAuthorizationRequirement
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, Requirement requirement)
        {
            var scoped = context.User.HasClaim(c => c.Type == ApiTokenAuthenticationHandler.ServiceScopeClaim);
            var allowed = context.Resource switch
            {
                HttpContext http => http.GetEndpoint()?.Metadata.GetMetadata<AllowedAttribute>() is not null,
                Endpoint endpoint => endpoint.Metadata.GetMetadata<AllowedAttribute>() is not null,
                _ => false,
            };
            if (!scoped || allowed)
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }
    }
}
