using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data.Services.Email;

public sealed record OutboxRow(Guid Id, string To, string Subject, string HtmlBody, DateTimeOffset CreatedAt);

/// <summary>Messages kept for admins when no SMTP server is configured.</summary>
public sealed class OutboxService(IDbContextFactory<ApplicationDbContext> contextFactory, TimeProvider clock)
{
    public async Task AddAsync(string to, string subject, string htmlBody, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        db.OutboxEmails.Add(new OutboxEmail
        {
            Id = Guid.CreateVersion7(), To = to, Subject = subject, HtmlBody = htmlBody, CreatedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(ct);
    }

    public async Task<Paged<OutboxRow>> ListAsync(string? search, int skip, int take, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var mails = db.OutboxEmails.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            mails = mails.Where(Like.Contains<OutboxEmail>(search, m => m.To, m => m.Subject));
        }

        var total = await mails.CountAsync(ct);
        var items = await mails.OrderByDescending(m => m.CreatedAt).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 200))
            .Select(m => new OutboxRow(m.Id, m.To, m.Subject, m.HtmlBody, m.CreatedAt)).ToListAsync(ct);
        return new Paged<OutboxRow>(items, total);
    }
}
