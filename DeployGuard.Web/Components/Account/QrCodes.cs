using QRCoder;

namespace DeployGuard.Web.Components.Account;

/// <summary>Renders the authenticator enrolment URI as an inline SVG QR code (no script, no external service).</summary>
internal static class QrCodes
{
    public static string Svg(string content)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(content, QRCodeGenerator.ECCLevel.Q);
        var svg = new SvgQRCode(data);
        return svg.GetGraphic(5);
    }
}
