using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace DeployGuard.Data.Services.Releases;

/// <summary>
/// Renders release notes Markdown to HTML that is safe to show: raw HTML is escaped (DisableHtml) and links or
/// images with scripting schemes (javascript:, data:, vbscript:) lose their target.
/// </summary>
public static class ReleaseNotes
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseTaskLists()
        .UseAutoLinks()
        .UseEmphasisExtras()
        .Build();

    private static readonly string[] SafeSchemes = ["http", "https", "mailto"];

    public static string ToHtml(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown))
        {
            return "";
        }

        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (!IsSafe(link.Url))
            {
                link.Url = "#";
            }
        }

        foreach (var link in document.Descendants<AutolinkInline>())
        {
            if (!IsSafe(link.Url))
            {
                link.Url = "#";
            }
        }

        return document.ToHtml(Pipeline);
    }

    private static bool IsSafe(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return true;
        }

        var trimmed = new string(url.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray());
        var colon = trimmed.IndexOf(':');
        var slash = trimmed.IndexOfAny(['/', '?', '#']);
        // Relative links (no scheme before the first path character) are fine.
        if (colon < 0 || (slash >= 0 && slash < colon))
        {
            return true;
        }

        var scheme = trimmed[..colon];
        return SafeSchemes.Contains(scheme, StringComparer.OrdinalIgnoreCase);
    }
}
