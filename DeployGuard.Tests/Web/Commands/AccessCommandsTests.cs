using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Commands;

/// <summary><c>token create</c> and <c>invite create</c> as an operator runs them: the real executable on the app's database.</summary>
public sealed class AccessCommandsTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    private async Task<(int ExitCode, string Out, string Err)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(AppProcess.WebDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AppProcess.WebDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["ConnectionStrings__DeployGuard"] = app.ConnectionString;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, (await output).Trim(), await error);
    }

    [Fact]
    public async Task TokenCreate_WithAndWithoutServiceScope_PrintsWorkingTokensAndAudits()
    {
        var owner = await TestUsers.CreateAsync(app.Services, Roles.Admin);
        var service = (await app.Services.GetRequiredService<ServiceCatalogService>()
            .CreateAsync(new ServiceInput { Name = $"cmd-{Guid.NewGuid():N}"[..20] }, owner.AsCaller(Roles.Admin))).Value!;

        var personal = await RunAsync("token", "create", "--email", owner.Email!, "--name", "bootstrap", "--expires-in", "30d");
        var scoped = await RunAsync("token", "create", "--email", owner.Email!, "--name", "ci", "--scope", $"service:{service.Name}");

        Assert.True(personal.ExitCode == 0, personal.Err);
        Assert.True(scoped.ExitCode == 0, scoped.Err);
        Assert.StartsWith("dg_", personal.Out);
        Assert.Contains("limited to " + service.Name, scoped.Err);
        Assert.Equal(HttpStatusCode.OK, (await WithToken(personal.Out).GetAsync("/api/teams")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await WithToken(scoped.Out).GetAsync("/api/teams")).StatusCode);
        var expires = await Sql.ScalarAsync<DateTime>(app.ConnectionString, "SELECT expires_at FROM api_tokens WHERE user_id = @u AND name = 'bootstrap'",
            ("u", owner.Id));
        Assert.InRange((expires - DateTime.UtcNow).TotalDays, 29, 30.1);
        Assert.Equal(2L, await Sql.ScalarAsync<long>(app.ConnectionString,
            "SELECT count(*) FROM audit_logs WHERE action = 'token.created' AND user_name = 'command line' AND details->>'owner' = @e", ("e", owner.Email!)));
    }

    [Fact]
    public async Task TokenCreate_BadInput_FailsWithAReasonAndCreatesNothing()
    {
        var pending = await TestUsers.CreateAsync(app.Services, role: null);
        var before = await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM api_tokens");

        var unknown = await RunAsync("token", "create", "--email", TestUsers.NewEmail("ghost"), "--name", "x");
        var noRole = await RunAsync("token", "create", "--email", pending.Email!, "--name", "x");
        var noName = await RunAsync("token", "create", "--email", pending.Email!);
        var badScope = await RunAsync("token", "create", "--email", pending.Email!, "--name", "x", "--scope", "admin");

        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("No account has the address", unknown.Err);
        Assert.Equal(1, noRole.ExitCode);
        Assert.Contains("has no role yet", noRole.Err);
        Assert.Equal(2, noName.ExitCode);
        Assert.Equal(1, badScope.ExitCode);
        Assert.Equal(before, await Sql.ScalarAsync<long>(app.ConnectionString, "SELECT count(*) FROM api_tokens"));
    }

    [Fact]
    public async Task InviteCreate_PrintsALinkThatRegistersTheAccount()
    {
        var email = TestUsers.NewEmail("bootstrap");

        var invited = await RunAsync("invite", "create", "--email", email, "--role", "Admin", "--base-url", "http://localhost");

        Assert.True(invited.ExitCode == 0, invited.Err);
        Assert.StartsWith("http://localhost/Account/Register?invite=dgi_", invited.Out);
        Assert.Contains("You are invited as Admin", await app.NewClient().GetStringAsync(new Uri(invited.Out).PathAndQuery));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(app.ConnectionString,
            "SELECT count(*) FROM audit_logs WHERE action = 'invitation.created' AND details->>'email' = @e", ("e", email)));
    }

    private HttpClient WithToken(string token)
    {
        var client = app.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
