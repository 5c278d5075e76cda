using Microsoft.AspNetCore.Components;

namespace DeployGuard.Web.Components.Shared;

/// <summary>
/// A decorative icon written as markup (the same SVG and classes MudIcon renders), not as a component. For icons that sit
/// on every page or repeat in a list (navigation, stage cards): a component costs each open page its state and render
/// tree for as long as the circuit lives; markup is one string in its parent's tree. Only for MudBlazor's icon constants
/// (Icons.Material.*), never for text from a person.
/// </summary>
internal static class IconMarkup
{
    public static RenderFragment Of(string icon, string size = "medium", string? cssClass = null) => builder =>
        builder.AddMarkupContent(0,
            $"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-{size}{(cssClass is null ? "" : " " + cssClass)}\" focusable=\"false\" " +
            $"viewBox=\"0 0 24 24\" aria-hidden=\"true\">{icon}</svg>");
}
