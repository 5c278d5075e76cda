using System.Text.RegularExpressions;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Web.Hosting;

/// <summary>
/// `dotnet run` in Production (scripts/run.sh) serves the build output, whose static assets manifest MapStaticAssets treats
/// as a development one unless told otherwise: every asset `no-cache`, and MudBlazor's stylesheet (its recorded
/// modification time one second off the file's) sent whole again, 627 KB, on every page load. The fingerprinted URLs the
/// pages link to are cached for good instead, and nothing in the head holds the parser.
/// </summary>
[Collection(AppProcessCollection.Name)]
public sealed partial class StaticAssetCachingTests
{
    [Fact]
    public async Task PageAssets_ProductionFromBuildOutput_CachedForGoodAndNoScriptBlocksTheHead()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        await using var app = await AppProcess.StartAsync(kit.ConnectionString, environment: "Production");
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };

        var html = await http.GetStringAsync("/Account/Login");

        var head = html[..html.IndexOf("</head>", StringComparison.OrdinalIgnoreCase)];
        var assets = AssetLink().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(assets, a => a.StartsWith("_content/MudBlazor/MudBlazor.min.", StringComparison.Ordinal) && a.EndsWith(".css", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.StartsWith("_framework/blazor.web.", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            using var response = await http.GetAsync(asset);
            Assert.True(response.IsSuccessStatusCode, $"{asset}: {response.StatusCode}");
            Assert.True(response.Headers.CacheControl?.ToString() == "max-age=31536000, immutable",
                $"{asset}: Cache-Control {response.Headers.CacheControl}");
        }

        Assert.All(BlockingScript().Matches(head), m => Assert.Fail($"a script that blocks the parser in the head: {m.Value}"));
    }

    // The pages' own stylesheets and scripts (the fingerprinted URLs @Assets gives them).
    [GeneratedRegex(@"(?:href|src)=""((?:_content|_framework|js|app|DeployGuard)[^""]+\.(?:css|js))""")]
    private static partial Regex AssetLink();

    // <script src=...> without defer, async or type=module (the import map is inline and allowed).
    [GeneratedRegex(@"<script\b(?![^>]*\b(?:defer|async|type=""(?:module|importmap)""))[^>]*\bsrc=[^>]*>")]
    private static partial Regex BlockingScript();
}
