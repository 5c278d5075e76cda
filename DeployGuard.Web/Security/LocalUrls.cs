namespace DeployGuard.Web.Security;

/// <summary>
/// Redirect targets that come from the request (ReturnUrl and friends) may only point into this site: anything
/// absolute to another host, protocol-relative (<c>//host</c>, <c>/\host</c>), with a scheme (<c>javascript:</c>) or
/// with control characters becomes the dashboard. Same-site absolute URLs (the login redirect sends those) are
/// turned into paths relative to the app's base.
/// </summary>
internal static class LocalUrls
{
    /// <returns>A path relative to <paramref name="baseUri"/> (no leading slash), "" for the dashboard.</returns>
    public static string ToBaseRelativeOrRoot(Uri baseUri, string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Any(c => char.IsControl(c) || c == '\\'))
        {
            return "";
        }

        if (value.StartsWith("~/", StringComparison.Ordinal))
        {
            value = value[1..];
        }

        if (value.StartsWith("//", StringComparison.Ordinal))
        {
            return "";
        }

        Uri absolute;
        if (value.StartsWith('/'))
        {
            // On Unix "/x" would parse as an absolute file: URI; it is a path on this host.
            absolute = new Uri(baseUri, value);
        }
        else if (Uri.TryCreate(value, UriKind.Absolute, out var parsed))
        {
            absolute = parsed;
        }
        else if (Uri.TryCreate(baseUri, value, out var relative))
        {
            absolute = relative;
        }
        else
        {
            return "";
        }

        if (absolute.Scheme != baseUri.Scheme || !string.Equals(absolute.Authority, baseUri.Authority, StringComparison.OrdinalIgnoreCase)
            || !absolute.AbsolutePath.StartsWith(baseUri.AbsolutePath, StringComparison.Ordinal))
        {
            return "";
        }

        return absolute.PathAndQuery[baseUri.AbsolutePath.Length..] + absolute.Fragment;
    }

    public static Uri BaseOf(HttpRequest request) => new($"{request.Scheme}://{request.Host}{request.PathBase}/");
}
