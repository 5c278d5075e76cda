using System.Text.Encodings.Web;
using System.Threading.Channels;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Web.Email;

namespace DeployGuard.Web.Workers;

/// <summary>
/// Emails approvers when a deployment starts waiting for them, when SMTP is configured. Only the instance that started
/// the approval stage sends (the event's origin), so several instances do not mail twice.
/// </summary>
internal sealed class ApprovalMailer(DeploymentEventBus bus, ApprovalService approvals, EmailSender email, ILogger<ApprovalMailer> logger)
    : BackgroundService
{
    private readonly Channel<DeploymentEvent> _queue = Channel.CreateUnbounded<DeploymentEvent>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!email.DeliversByMail)
        {
            return;
        }

        using var subscription = bus.Subscribe(null, e =>
        {
            if (e.Kind == DeploymentEventKind.ApprovalRequested && e.Origin == bus.InstanceId)
            {
                _queue.Writer.TryWrite(e);
            }
        });
        try
        {
            await foreach (var e in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    var subject = $"Approval needed: {e.Message}";
                    var body = $"<p>{HtmlEncoder.Default.Encode(e.Message ?? "A deployment")}.</p>" +
                               $"<p>Open DeployGuard's approvals inbox (/approvals) or the deployment (/deployments/{e.DeploymentId}) to decide.</p>";
                    foreach (var to in await approvals.ApproverEmailsAsync(e.DeploymentId, stoppingToken))
                    {
                        await email.SendAsync(to, subject, body, stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Approval mail for deployment {DeploymentId} failed", e.DeploymentId);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
