using System.Net;
using System.Text.RegularExpressions;
using DeployGuard.Data.Entities;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>Signs in through the real login form (antiforgery token from the GET page), as a browser would.</summary>
public static partial class WebSignIn
{
    /// <summary>A client that keeps cookies and does not follow redirects (so tests see 302s and 401s as they are).</summary>
    public static HttpClient NewClient(this WebAppFactory factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>A new confirmed account in <paramref name="role"/>, signed in on a fresh client.</summary>
    public static async Task<(HttpClient Client, ApplicationUser User)> SignInNewUserAsync(this WebAppFactory factory, string role)
    {
        var user = await TestUsers.CreateAsync(factory.Services, role);
        var client = factory.NewClient();
        var response = await client.PostLoginAsync(user.Email!, TestUsers.Password);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in of {user.Email} failed: {(int)response.StatusCode}\n{await response.Content.ReadAsStringAsync()}");
        }

        return (client, user);
    }

    public static async Task<HttpResponseMessage> PostLoginAsync(this HttpClient client, string email, string password)
    {
        var token = await AntiforgeryTokenAsync(client, "/Account/Login");
        return await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.RememberMe"] = "false",
        }));
    }

    /// <summary>GETs a page and returns the antiforgery token of its form.</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string path)
    {
        var html = await client.GetStringAsync(path);
        var match = TokenPattern().Match(html);
        return match.Success
            ? WebUtility.HtmlDecode(match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value)
            : throw new InvalidOperationException($"No antiforgery token on {path}.");
    }

    [GeneratedRegex("""name="__RequestVerificationToken"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="__RequestVerificationToken""")]
    private static partial Regex TokenPattern();
}
