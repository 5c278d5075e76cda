using System.Diagnostics;
using DeployGuard.Data;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Web.Commands;

/// <summary>Appends synthetic audit rows through the real chain trigger, for the audit page benchmark.</summary>
internal static class AuditGenerator
{
    private const int Batch = 50_000;

    public static async Task GenerateAsync(IServiceProvider services, int count)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>();
        var watch = Stopwatch.StartNew();
        for (var done = 0; done < count; done += Batch)
        {
            var n = Math.Min(Batch, count - done);
            await using var db = await contexts.CreateDbContextAsync();
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(30));
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO audit_logs (user_id, user_name, action, resource_type, resource_id, details, ip_address, user_agent)
                SELECT 'bench-user-' || (i % 40),
                       (ARRAY['alice','bob','carol','dave','erin','frank','grace','heidi'])[1 + i % 8] || '@example.com',
                       (ARRAY['service.updated','team.updated','environment.updated','auth.sign_in','auth.sign_in_failed',
                              'deployment.started','deployment.succeeded','approval.approved','session.revoked','service.created'])[1 + i % 10],
                       (ARRAY['service','team','environment','user','deployment','approval','session'])[1 + i % 7],
                       md5((i % 5000)::text),
                       jsonb_build_object('n', i, 'note', 'synthetic row for benchmarks'),
                       '10.0.' || (i % 250) || '.' || (i % 200),
                       'Mozilla/5.0 (bench)'
                FROM generate_series(1, {n}) AS i
                """);
            Console.WriteLine($"  {done + n:N0} / {count:N0} rows ({watch.Elapsed.TotalSeconds:F1} s)");
        }

        Console.WriteLine($"Generated {count:N0} audit rows in {watch.Elapsed.TotalSeconds:F1} s.");
    }
}
