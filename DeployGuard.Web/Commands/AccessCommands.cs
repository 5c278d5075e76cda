using System.CommandLine;
using System.Globalization;
using DeployGuard.Data;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Tokens;
using DeployGuard.Data.Services.Users;
using DeployGuard.Web.Auth;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Web.Commands;

/// <summary>
/// <c>token create</c> and <c>invite create</c>: accounts and tokens without a browser (bootstrap automation, CI set-up).
/// Whoever runs these has the server's configuration and database already, so they act as the system, audited as
/// "command line" with the operating-system user that ran them. The token or link is the only thing on stdout
/// (messages and logs go to stderr), so <c>TOKEN=$(DeployGuard.Web token create ...)</c> works.
/// </summary>
internal static class AccessCommands
{
    private static AuditActor Actor => new(null, "command line", null, $"{Environment.UserName}@{Environment.MachineName}");

    public static Command CreateToken(CommandHost host)
    {
        var email = new Option<string>("--email") { Description = "The account the token acts for (it must exist and have a role).", Required = true };
        var name = new Option<string>("--name") { Description = "A name to recognise the token by (\"GitHub Actions\").", Required = true };
        var expiresIn = new Option<string>("--expires-in")
        {
            Description = $"Days like 30d (1 to {ApiTokenService.MaxExpiryDays}), or 'never'.", DefaultValueFactory = _ => "90d",
        };
        var scope = new Option<string?>("--scope") { Description = "service:NAME: a CI token limited to that service's deployments." };
        var create = new Command("create", "Print a new API token for an account (audited).") { email, name, expiresIn, scope };
        host.Runs(create, async (context, parse, ct) =>
        {
            var expires = parse.GetValue(expiresIn)!;
            int? days = expires == "never" ? null
                : int.TryParse(expires.TrimEnd('d'), NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : -1;
            if (days is < 1 or > ApiTokenService.MaxExpiryDays)
            {
                return await FailAsync(context, $"--expires-in: give days like 30d (1 to {ApiTokenService.MaxExpiryDays}) or 'never'.");
            }

            Guid? serviceId = null;
            if (parse.GetValue(scope) is { } scopeText)
            {
                if (!scopeText.StartsWith("service:", StringComparison.Ordinal))
                {
                    return await FailAsync(context, "--scope: the only scope is service:NAME (a CI token limited to that service's deployments).");
                }

                var serviceName = scopeText["service:".Length..];
                await using var db = await context.Get<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync(ct);
                serviceId = await db.Services.Where(s => s.Name == serviceName).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct);
                if (serviceId is null)
                {
                    return await FailAsync(context, $"--scope: no service is called '{serviceName}'.");
                }
            }

            var owner = parse.GetValue(email)!;
            var result = await context.Get<ApiTokenService>().CreateForEmailAsync(owner, new ApiTokenInput(parse.GetValue(name)!, days, serviceId), Actor, ct);
            if (!result.Succeeded)
            {
                return await FailAsync(context, Describe(result));
            }

            var token = result.Value!.Token;
            await context.Error.WriteLineAsync($"Token '{token.Name}' for {owner}" + (token.ServiceName is null ? "" : $", limited to {token.ServiceName}")
                + $", expires {(token.ExpiresAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "never")}."
                + " It is shown only now:");
            await context.Out.WriteLineAsync(result.Value.Value);
            return WebCommands.Success;
        }, migrated: true);

        return new Command("token", "Personal and CI API tokens.") { create };
    }

    public static Command CreateInvite(CommandHost host)
    {
        var email = new Option<string>("--email") { Description = "The address to invite.", Required = true };
        var role = new Option<string>("--role") { Description = $"The account's role: {string.Join(", ", Roles.All)}.", Required = true };
        var teams = new Option<string[]>("--team") { Description = "A team the account joins (repeat for several).", AllowMultipleArgumentsPerToken = false };
        var baseUrl = new Option<string?>("--base-url") { Description = "The address people open DeployGuard at (default: the first of --urls/ASPNETCORE_URLS)." };
        var create = new Command("create", "Invite an account (audited): mails the single-use link and prints it.") { email, role, teams, baseUrl };
        host.Runs(create, async (context, parse, ct) =>
        {
            var teamNames = parse.GetValue(teams) ?? [];
            await using var db = await context.Get<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync(ct);
            var found = await db.Teams.Where(t => teamNames.Contains(t.Name)).Select(t => new { t.Id, t.Name }).ToListAsync(ct);
            if (teamNames.Except(found.Select(t => t.Name)).FirstOrDefault() is { } missing)
            {
                return await FailAsync(context, $"--team: no team is called '{missing}'.");
            }

            var address = parse.GetValue(baseUrl) ?? DefaultBaseUrl(context.Configuration);
            if (!Uri.TryCreate(address.EndsWith('/') ? address : address + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            {
                return await FailAsync(context, "--base-url: give the address people open DeployGuard at, like https://deployguard.example.com.");
            }

            var input = new InvitationInput { Email = parse.GetValue(email)!, Role = parse.GetValue(role)!, TeamIds = found.Select(t => t.Id).ToList() };
            var caller = new Caller(null, "command line", [Roles.Admin], null, Actor.UserAgent);
            var result = await context.Get<InviteMailer>().InviteAsync(input, caller, baseUri);
            if (!result.Succeeded)
            {
                return await FailAsync(context, Describe(result));
            }

            var sent = result.Value!;
            await context.Error.WriteLineAsync($"Invited {sent.Invitation.Email} as {sent.Invitation.Role}"
                + (sent.Invitation.Teams.Count > 0 ? $" in {string.Join(", ", sent.Invitation.Teams)}" : "")
                + (sent.Mailed ? "; the link was mailed." : "; no mail server: the message is in the outbox.")
                + $" It works once, until {sent.Invitation.ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC:");
            await context.Out.WriteLineAsync(sent.Link);
            return WebCommands.Success;
        }, migrated: true);

        return new Command("invite", "Invitations (e.g. the first admin under Auth:Registration=InviteOnly).") { create };
    }

    /// <summary>The first address the server listens on (--urls / ASPNETCORE_URLS), else Kestrel's default.</summary>
    private static string DefaultBaseUrl(IConfiguration configuration)
    {
        var first = (configuration["urls"] ?? "http://localhost:5000").Split(';', StringSplitOptions.RemoveEmptyEntries)[0];
        return first.Replace("://*", "://localhost").Replace("://+", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://[::]", "://localhost");
    }

    private static string Describe<T>(Result<T> result) =>
        result.Errors.Count > 0 ? string.Join(" ", result.Errors.SelectMany(e => e.Value)) : result.Message ?? result.Status.ToString();

    /// <summary>The request was understood but cannot be done (no such account, no role, no such service): exit 1.</summary>
    private static async Task<int> FailAsync(CommandContext context, string message)
    {
        await context.Error.WriteLineAsync($"error: {message}");
        return WebCommands.CheckFailed;
    }
}
