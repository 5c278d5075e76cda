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
/// "command line" with the operating-system user that ran them.
/// </summary>
internal static class AccessCommands
{
    private static AuditActor Actor => new(null, "command line", null, $"{Environment.UserName}@{Environment.MachineName}");

    public static async Task<int> CreateTokenAsync(IServiceProvider services, string[] args)
    {
        var options = Parse(args);
        if (options is null || !options.TryGetValue("--email", out var email) || !options.TryGetValue("--name", out var name))
        {
            return Usage("token create --email E --name N [--expires-in 30d] [--scope service:NAME]");
        }

        int? days = 90;
        if (options.TryGetValue("--expires-in", out var expires))
        {
            days = expires == "never" ? null
                : int.TryParse(expires.TrimEnd('d'), NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : -1;
            if (days is < 1 or > ApiTokenService.MaxExpiryDays)
            {
                return Fail($"--expires-in: give days like 30d (1 to {ApiTokenService.MaxExpiryDays}) or 'never'.");
            }
        }

        Guid? serviceId = null;
        if (options.TryGetValue("--scope", out var scope))
        {
            if (!scope.StartsWith("service:", StringComparison.Ordinal))
            {
                return Fail("--scope: the only scope is service:NAME (a CI token limited to that service's deployments).");
            }

            var serviceName = scope["service:".Length..];
            await using var db = await services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
            serviceId = await db.Services.Where(s => s.Name == serviceName).Select(s => (Guid?)s.Id).FirstOrDefaultAsync();
            if (serviceId is null)
            {
                return Fail($"--scope: no service is called '{serviceName}'.");
            }
        }

        var result = await services.GetRequiredService<ApiTokenService>().CreateForEmailAsync(email, new ApiTokenInput(name, days, serviceId), Actor);
        if (!result.Succeeded)
        {
            return Fail(Describe(result));
        }

        var token = result.Value!.Token;
        await Console.Error.WriteLineAsync($"Token '{token.Name}' for {email}" + (token.ServiceName is null ? "" : $", limited to {token.ServiceName}")
                                           + $", expires {(token.ExpiresAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "never")}."
                                           + " It is shown only now:");
        Console.WriteLine(result.Value.Value);
        return 0;
    }

    public static async Task<int> InviteAsync(IServiceProvider services, IConfiguration configuration, string[] args)
    {
        var options = Parse(args, repeatable: "--team");
        if (options is null || !options.TryGetValue("--email", out var email) || !options.TryGetValue("--role", out var role))
        {
            return Usage("invite create --email E --role R [--team NAME]... [--base-url URL]");
        }

        var teamNames = options.TryGetValue("--team", out var teams) ? teams.Split('\n') : [];
        await using var db = await services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        var found = await db.Teams.Where(t => teamNames.Contains(t.Name)).Select(t => new { t.Id, t.Name }).ToListAsync();
        if (teamNames.Except(found.Select(t => t.Name)).FirstOrDefault() is { } missing)
        {
            return Fail($"--team: no team is called '{missing}'.");
        }

        var baseUrl = options.TryGetValue("--base-url", out var given) ? given : DefaultBaseUrl(configuration);
        if (!Uri.TryCreate(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            return Fail("--base-url: give the address people open DeployGuard at, like https://deployguard.example.com.");
        }

        var input = new InvitationInput { Email = email, Role = role, TeamIds = found.Select(t => t.Id).ToList() };
        var caller = new Caller(null, "command line", [Roles.Admin], null, Actor.UserAgent);
        var result = await services.GetRequiredService<InviteMailer>().InviteAsync(input, caller, baseUri);
        if (!result.Succeeded)
        {
            return Fail(Describe(result));
        }

        var sent = result.Value!;
        await Console.Error.WriteLineAsync($"Invited {sent.Invitation.Email} as {sent.Invitation.Role}"
                                           + (sent.Invitation.Teams.Count > 0 ? $" in {string.Join(", ", sent.Invitation.Teams)}" : "")
                                           + (sent.Mailed ? "; the link was mailed." : "; no mail server: the message is in the outbox.")
                                           + $" It works once, until {sent.Invitation.ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC:");
        Console.WriteLine(sent.Link);
        return 0;
    }

    /// <summary>The first address the server listens on (--urls / ASPNETCORE_URLS), else Kestrel's default.</summary>
    private static string DefaultBaseUrl(IConfiguration configuration)
    {
        var first = (configuration["urls"] ?? "http://localhost:5000").Split(';', StringSplitOptions.RemoveEmptyEntries)[0];
        return first.Replace("://*", "://localhost").Replace("://+", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://[::]", "://localhost");
    }

    /// <summary>"--key value" pairs; a repeatable key collects its values separated by newlines. Null when something is off.</summary>
    private static Dictionary<string, string>? Parse(string[] args, string? repeatable = null)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var (key, value) = args[i].Split('=', 2) is [var k, var v] ? (k, v) : (args[i], i + 1 < args.Length ? args[++i] : null);
            if (!key.StartsWith("--", StringComparison.Ordinal) || value is null)
            {
                return null;
            }

            result[key] = key == repeatable && result.TryGetValue(key, out var earlier) ? earlier + "\n" + value : value;
        }

        return result;
    }

    private static string Describe<T>(Result<T> result) =>
        result.Errors.Count > 0 ? string.Join(" ", result.Errors.SelectMany(e => e.Value)) : result.Message ?? result.Status.ToString();

    private static int Usage(string usage)
    {
        Console.Error.WriteLine($"usage: DeployGuard.Web {usage}");
        return 2;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 1;
    }
}
