using System.Net;
using System.Text.RegularExpressions;
using DeployGuard.Data.Entities;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>
/// The one way tests sign in: through the real login form, as a person would. Over HTTP (the antiforgery token
/// from the GET page, then the POST) for in-process and child-process apps, or typed into the page in a browser.
/// </summary>
public static partial class SignIn
{
    public const string LoginPath = "/Account/Login";

    /// <summary>A client that keeps cookies and does not follow redirects (so tests see 302s and 401s as they are).</summary>
    public static HttpClient NewClient(this WebAppFactory factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>A new confirmed account in <paramref name="role"/>, signed in on a fresh client of the in-process app.</summary>
    public static async Task<(HttpClient Client, ApplicationUser User)> SignInNewUserAsync(this WebAppFactory factory, string role)
    {
        var user = await TestUsers.CreateAsync(factory.Services, role);
        var client = factory.NewClient();
        await ExpectSignedInAsync(await client.PostLoginAsync(user.Email!, TestUsers.Password), user.Email!);
        return (client, user);
    }

    /// <summary>The auth cookie of a sign-in on an app at <paramref name="baseUrl"/> (a child process), for HTTP and hub clients.</summary>
    public static async Task<CookieContainer> CookiesAsync(string baseUrl, string email, string password)
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl) };
        await ExpectSignedInAsync(await http.PostLoginAsync(email, password), email);
        return cookies;
    }

    /// <summary>Posts the login form (the answer is left to the caller: a redirect when it worked), optionally with a ReturnUrl.</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(this HttpClient client, string email, string password, string? returnUrl = null)
    {
        var path = returnUrl is null ? LoginPath : $"{LoginPath}?ReturnUrl={Uri.EscapeDataString(returnUrl)}";
        var token = await AntiforgeryTokenAsync(client, path);
        return await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
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

    /// <summary>Types the credentials into the login page and waits until the browser has left it.</summary>
    public static async Task InBrowserAsync(IPage page, string baseUrl, string email, string password)
    {
        await page.GotoAsync(baseUrl + LoginPath);
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains(LoginPath, StringComparison.OrdinalIgnoreCase));
    }

    private static async Task ExpectSignedInAsync(HttpResponseMessage response, string email)
    {
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in of {email} failed: {(int)response.StatusCode}\n{await response.Content.ReadAsStringAsync()}");
        }
    }

    [GeneratedRegex("""name="__RequestVerificationToken"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="__RequestVerificationToken""")]
    private static partial Regex TokenPattern();
}
