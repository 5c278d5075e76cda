using DeployGuard.Data.Services.Email;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Data.Email;

public sealed class OutboxServiceTests : IAsyncLifetime
{
    private readonly TestClock _clock = new();
    private ServiceProvider _services = default!;

    private OutboxService Outbox => _services.GetRequiredService<OutboxService>();

    public async Task InitializeAsync() =>
        _services = TestPostgres.BuildDataServices(await TestPostgres.CreateDatabaseAsync("outbox"), s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task ListAsync_SeveralMails_NewestFirstWithSearchAndPaging()
    {
        foreach (var (to, subject) in new[] { ("a@x.test", "Confirm your account"), ("b@x.test", "Reset your password"), ("c_d@x.test", "Confirm again") })
        {
            await Outbox.AddAsync(to, subject, "<p>body</p>");
            _clock.Advance(TimeSpan.FromMinutes(1));
        }

        var all = await Outbox.ListAsync(null, 0, 10);
        var confirm = await Outbox.ListAsync("CONFIRM", 0, 10);
        var underscore = await Outbox.ListAsync("c_d", 0, 10);
        var secondPage = await Outbox.ListAsync(null, 1, 1);

        Assert.Equal(["c_d@x.test", "b@x.test", "a@x.test"], all.Items.Select(m => m.To));
        Assert.Equal(2, confirm.Total);
        Assert.Equal(["c_d@x.test"], underscore.Items.Select(m => m.To));
        Assert.Equal((3, "b@x.test"), (secondPage.Total, secondPage.Items.Single().To));
    }
}
