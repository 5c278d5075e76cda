namespace DeployGuard.Data.Entities;

/// <summary>A message kept for admins to read because no SMTP server is configured.</summary>
public class OutboxEmail
{
    public Guid Id { get; set; }
    public string To { get; set; } = "";
    public string Subject { get; set; } = "";
    public string HtmlBody { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
