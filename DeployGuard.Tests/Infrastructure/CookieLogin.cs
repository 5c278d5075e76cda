using System.Net;
using System.Text.RegularExpressions;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>Signs in through the real login form (antiforgery token included) and keeps the auth cookie.</summary>
public static partial class CookieLogin
{
    [GeneratedRegex("<input[^>]*type=\"hidden\"[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex HiddenInput();

    [GeneratedRegex("name=\"([^\"]+)\"")]
    private static partial Regex Name();

    [GeneratedRegex("value=\"([^\"]*)\"")]
    private static partial Regex Value();

    public static async Task<CookieContainer> SignInAsync(string baseUrl, string email, string password)
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl) };
        var form = await http.GetStringAsync("/Account/Login");
        var fields = new Dictionary<string, string>();
        foreach (Match input in HiddenInput().Matches(form))
        {
            var name = Name().Match(input.Value);
            if (name.Success)
            {
                fields[WebUtility.HtmlDecode(name.Groups[1].Value)] = WebUtility.HtmlDecode(Value().Match(input.Value).Groups[1].Value);
            }
        }

        fields["Input.Email"] = email;
        fields["Input.Password"] = password;
        var response = await http.PostAsync("/Account/Login", new FormUrlEncodedContent(fields));
        if (response.StatusCode != HttpStatusCode.Redirect && response.StatusCode != HttpStatusCode.Found)
        {
            throw new InvalidOperationException($"Sign-in failed: {(int)response.StatusCode}");
        }

        return cookies;
    }
}
