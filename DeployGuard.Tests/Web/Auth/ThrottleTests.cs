using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Auth;

/// <summary>
/// Failed sign-ins per client address: 10 a minute, then 429 with Retry-After, whatever the accounts. One test per
/// app: every request of the in-process server comes from the same (unknown) address.
/// </summary>
public sealed class SignInAddressThrottleTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Fact]
    public async Task Login_TenFailuresFromOneAddress_EleventhIs429WithRetryAfterEvenWithTheRightPassword()
    {
        var user = await TestUsers.CreateAsync(app.Services, Roles.Viewer);
        var client = app.NewClient();

        for (var i = 0; i < 10; i++)
        {
            var failed = await client.PostLoginAsync(TestUsers.NewEmail($"spray{i}"), "Wrong-password-1");
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
            Assert.Contains("Invalid login attempt", await failed.Content.ReadAsStringAsync());
        }

        var throttled = await client.PostLoginAsync(user.Email!, TestUsers.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Contains("Too many failed sign-ins from your network address", await throttled.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/teams")).StatusCode);
    }
}

/// <summary>Failed sign-ins per account: an unknown address is throttled exactly when a known one is locked out.</summary>
public sealed class SignInAccountThrottleTests(SignInAccountThrottleTests.Factory app) : IClassFixture<SignInAccountThrottleTests.Factory>
{
    public sealed class Factory : WebAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // The per-address limit would stop these tests first: they are about the account limit.
            builder.UseSetting("Auth:RateLimits:FailedSignInsPerAddressPerMinute", "1000");
        }
    }

    [Fact]
    public async Task Login_FiveFailuresForKnownAndUnknownAccounts_AnswersAlike()
    {
        var known = await TestUsers.CreateAsync(app.Services, Roles.Viewer);
        var unknown = TestUsers.NewEmail("ghost");

        var forKnown = await FailFiveTimesAsync(known.Email!);
        var forUnknown = await FailFiveTimesAsync(unknown);

        Assert.Equal(forKnown.Select(r => r.Status), forUnknown.Select(r => r.Status));
        Assert.Equal(forKnown.Select(r => r.Message), forUnknown.Select(r => r.Message));
        Assert.Equal(HttpStatusCode.TooManyRequests, forKnown[^1].Status);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], forKnown.Take(4).Select(r => r.Status));
        // Lockout stays: the right password does not get the known account in now.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await app.NewClient().PostLoginAsync(known.Email!, TestUsers.Password)).StatusCode);
    }

    private async Task<List<(HttpStatusCode Status, string Message)>> FailFiveTimesAsync(string email)
    {
        var results = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 5; i++)
        {
            var response = await app.NewClient().PostLoginAsync(email, $"Wrong-password-{i}");
            var html = await response.Content.ReadAsStringAsync();
            var message = System.Text.RegularExpressions.Regex.Match(html, "<div class=\"alert[^\"]*\" role=\"alert\">\\s*(.*?)\\s*</div>",
                System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
            results.Add((response.StatusCode, message));
        }

        return results;
    }
}

/// <summary>API requests per token and per signed-in user (a low limit, to reach it in a test).</summary>
public sealed class ApiRateLimitTests(ApiRateLimitTests.Factory app) : IClassFixture<ApiRateLimitTests.Factory>
{
    public sealed class Factory : WebAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Auth:RateLimits:ApiRequestsPerMinute", "5");
        }
    }

    [Fact]
    public async Task Api_MoreThanTheLimitForOneUser_Is429ProblemWithRetryAfterWhileOthersGoOn()
    {
        var (client, user) = await app.SignInNewUserAsync(Roles.Viewer);
        var (other, _) = await app.SignInNewUserAsync(Roles.Viewer);

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            codes.Add((await client.GetAsync("/api/teams")).StatusCode);
        }

        var rejected = await client.GetAsync("/api/teams");

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5), codes.Take(5));
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.NotNull(rejected.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("Too many requests", (await rejected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/teams")).StatusCode);
        // Pages are not metered by the API limit.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Manage")).StatusCode);

        // A token of the same user has a bucket of its own.
        var token = await app.Services.GetRequiredService<DeployGuard.Data.Services.Tokens.ApiTokenService>()
            .CreateAsync("rate test", 1, user.AsCaller(Roles.Viewer));
        var bearer = app.NewClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Value!.Value);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/teams")).StatusCode);
    }
}
