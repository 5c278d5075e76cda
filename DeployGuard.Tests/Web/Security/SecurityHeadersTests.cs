using System.Net;
using System.Text.RegularExpressions;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace DeployGuard.Tests.Web.Security;

/// <summary>Security headers on pages, the API, static files and errors.</summary>
public sealed partial class SecurityHeadersTests(WebAppFactory app) : IClassFixture<WebAppFactory>
{
    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/not-a-page")]
    [InlineData("/app.css")]
    [InlineData("/api/teams")]
    [InlineData("/api/nothing-here")]
    [InlineData("/healthz")]
    public async Task AnyResponse_HasTheCommonSecurityHeaders(string path)
    {
        var response = await app.NewClient().GetAsync(path);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("same-origin", Header(response, "Referrer-Policy"));
        Assert.Contains("camera=()", Header(response, "Permissions-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Contains("frame-ancestors 'none'", Header(response, "Content-Security-Policy"));
        Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
    }

    [Fact]
    public async Task Page_CspAllowsOnlyOwnScriptsAndTheNoncedImportMap()
    {
        var response = await app.NewClient().GetAsync("/Account/Login");
        var html = await response.Content.ReadAsStringAsync();

        var csp = Header(response, "Content-Security-Policy");
        var nonce = Nonce().Match(csp).Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains($"script-src 'self' 'nonce-{nonce}';", csp);
        Assert.Contains("connect-src 'self' ws: wss:", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp);
        // Every inline script carries this response's nonce; every other script is a file of this site.
        foreach (Match script in ScriptTag().Matches(html))
        {
            var tag = script.Value;
            Assert.True(tag.Contains("src=\"") && !tag.Contains("src=\"http") || tag.Contains($"nonce=\"{nonce}\""), tag);
        }

        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\"", html);
    }

    [Fact]
    public async Task Page_NonceDiffersPerResponse()
    {
        var first = Nonce().Match(Header(await app.NewClient().GetAsync("/Account/Login"), "Content-Security-Policy")).Groups[1].Value;
        var second = Nonce().Match(Header(await app.NewClient().GetAsync("/Account/Login"), "Content-Security-Policy")).Groups[1].Value;

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Api_CspAllowsNothing()
    {
        var (client, _) = await app.SignInNewUserAsync(Roles.Viewer);

        var response = await client.GetAsync("/api/teams");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("default-src 'none'", Header(response, "Content-Security-Policy"));
    }

    [Fact]
    public async Task PlainHttp_NoHstsAndCookiesNotSecure()
    {
        var response = await app.NewClient().GetAsync("/Account/Login");

        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.All(response.Headers.GetValues("Set-Cookie"), c => Assert.DoesNotContain("secure", c, StringComparison.OrdinalIgnoreCase));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(", ", content) : "";

    [GeneratedRegex("'nonce-([^']+)'")]
    private static partial Regex Nonce();

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex ScriptTag();
}

/// <summary>Behind a TLS-terminating proxy (ForwardedHeaders on, X-Forwarded-Proto: https).</summary>
public sealed class BehindHttpsProxyTests(BehindHttpsProxyTests.ProxiedAppFactory app) : IClassFixture<BehindHttpsProxyTests.ProxiedAppFactory>
{
    public sealed class ProxiedAppFactory : WebAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("ForwardedHeaders:Enabled", "true");
        }
    }

    [Fact]
    public async Task HttpsViaProxy_SendsHstsAndSecureCookies()
    {
        var client = app.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Login");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Host = "deployguard.example"; // HSTS is never sent to localhost

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("max-age=31536000", string.Join(",", response.Headers.GetValues("Strict-Transport-Security")));
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        Assert.NotEmpty(cookies);
        Assert.All(cookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
    }
}
