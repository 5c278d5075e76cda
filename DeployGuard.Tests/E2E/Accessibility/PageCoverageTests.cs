using System.Reflection;
using System.Text.RegularExpressions;
using DeployGuard.Tests.E2E.Deployments;
using DeployGuard.Tests.Scanning.Support;
using Microsoft.AspNetCore.Components;

namespace DeployGuard.Tests.E2E.Accessibility;

/// <summary>
/// The browser checks cover every page: a new page is added to the axe test's list (or said why not), a new list page to
/// the narrow-window test. The page walk of issue 9 found /vulnerabilities, the scan report, /admin/epss and the error
/// page missing from the axe test: nothing had told the people who added them.
/// </summary>
public sealed partial class PageCoverageTests
{
    [Fact]
    public void AccessibilityTests_EveryRoute_IsCheckedOrSaysWhyNot()
    {
        var checkedRoutes = AccessibilityTests.SignedInPages.Concat(AccessibilityTests.SignedOutPages)
            .Select(Path).Concat(AccessibilityTests.StateOnlyPages.Keys).ToHashSet(StringComparer.Ordinal);

        var missing = Routes().Where(route => !checkedRoutes.Contains(route)).ToList();

        Assert.True(missing.Count == 0, "Routes that AccessibilityTests does not open (add them, or to StateOnlyPages with the reason):\n" +
            string.Join("\n", missing));
    }

    [Fact]
    public void AccessibilityTests_ListedRoutes_AllExist()
    {
        var routes = Routes().ToHashSet(StringComparer.Ordinal);

        var stale = AccessibilityTests.SignedInPages.Concat(AccessibilityTests.SignedOutPages).Select(Path)
            .Concat(AccessibilityTests.StateOnlyPages.Keys).Where(route => !routes.Contains(route)).ToList();

        Assert.True(stale.Count == 0, "AccessibilityTests lists routes no page has:\n" + string.Join("\n", stale));
    }

    [Fact]
    public void NarrowWindowTests_EveryPageWithAGrid_IsChecked()
    {
        var components = System.IO.Path.Combine(RepositoryPaths.RepositoryRoot(), "DeployGuard.Web", "Components");
        var lists = NarrowWindowTests.Lists.Select(Path).ToHashSet(StringComparer.Ordinal);

        var missing = new List<string>();
        foreach (var file in Directory.EnumerateFiles(components, "*.razor", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            if (!GridMarker().IsMatch(text))
            {
                continue;
            }

            missing.AddRange(PageDirective().Matches(text).Select(m => m.Groups[1].Value)
                .Where(route => !lists.Contains(route) && !NotLists.ContainsKey(route)));
        }

        Assert.True(missing.Count == 0, "List pages that NarrowWindowTests does not open:\n" + string.Join("\n", missing));
    }

    // Detail pages with a small table of their own: not a list, checked where their data exists.
    private static readonly Dictionary<string, string> NotLists = new()
    {
        ["/vulnerabilities/cve/{Id}"] = "a CVE's findings (a few rows); VulnerabilityJourneyTests checks its row actions at 1024 px",
    };

    // The routes of every routable component of the app (what the router serves).
    private static IEnumerable<string> Routes() => typeof(DeployGuard.Web.Components.App).Assembly.GetTypes()
        .SelectMany(type => type.GetCustomAttributes<RouteAttribute>()).Select(route => route.Template).Distinct();

    private static string Path(string route) => route.Split('?')[0];

    // The kit's grid, the keyset lists (MudSimpleTable with class dg-grid) and the sessions grid.
    [GeneratedRegex(@"<PagedGrid\b|[Cc]lass=""dg-grid[ ""]|<SessionGrid\b")]
    private static partial Regex GridMarker();

    [GeneratedRegex(@"^\uFEFF?@page\s+""([^""]+)""", RegexOptions.Multiline)]
    private static partial Regex PageDirective();
}
