using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Sessions;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Data.Sessions;

/// <summary>Server-side sessions on a database whose clock the tests move.</summary>
public sealed class SessionServiceTests : IAsyncLifetime
{
    private readonly TestClock _clock = new();
    private ServiceProvider _services = default!;
    private string _connectionString = "";

    private SessionService Sessions => _services.GetRequiredService<SessionService>();

    public async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync("sessions");
        _services = TestPostgres.BuildDataServices(_connectionString, s => s.AddSingleton<TimeProvider>(_clock));
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task CreateAsync_NewSession_IsFoundActiveAndListed()
    {
        var user = await NewUserAsync();

        var id = await Sessions.CreateAsync(user.Id, [1, 2, 3], _clock.GetUtcNow().AddDays(7), "192.0.2.10", "Firefox");

        Assert.Equal([1, 2, 3], await Sessions.FindTicketAsync(id));
        Assert.True(await Sessions.IsActiveAsync(id));
        var row = Assert.Single(await Sessions.ListActiveAsync(user.Id));
        Assert.Equal((id, "192.0.2.10", "Firefox", _clock.GetUtcNow()), (row.Id, row.IpAddress, row.UserAgent, row.CreatedAt));
    }

    [Fact]
    public async Task CreateAsync_OverlongClientInfo_IsTruncatedToTheColumns()
    {
        var user = await NewUserAsync();

        var id = await Sessions.CreateAsync(user.Id, [1], null, new string('1', 100), new string('u', 2000));

        var row = Assert.Single(await Sessions.ListActiveAsync(user.Id));
        Assert.Equal(id, row.Id);
        Assert.Equal(64, row.IpAddress!.Length);
        Assert.Equal(512, row.UserAgent!.Length);
    }

    [Fact]
    public async Task RenewAsync_LiveSession_ReplacesTicketAndExpiry()
    {
        var user = await NewUserAsync();
        var id = await Sessions.CreateAsync(user.Id, [1], _clock.GetUtcNow().AddHours(1), null, null);

        await Sessions.RenewAsync(id, [9, 9], _clock.GetUtcNow().AddHours(3));
        _clock.Advance(TimeSpan.FromHours(2));

        Assert.Equal([9, 9], await Sessions.FindTicketAsync(id));
    }

    [Fact]
    public async Task RemoveAsync_SignedOutSession_IsNoLongerFound()
    {
        var user = await NewUserAsync();
        var id = await Sessions.CreateAsync(user.Id, [1], null, null, null);

        await Sessions.RemoveAsync(id);

        Assert.Null(await Sessions.FindTicketAsync(id));
        Assert.False(await Sessions.IsActiveAsync(id));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(_connectionString, "SELECT count(*) FROM user_sessions WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task FindTicketAsync_ExpiredSession_IsNotFound()
    {
        var user = await NewUserAsync();
        var id = await Sessions.CreateAsync(user.Id, [1], _clock.GetUtcNow().AddMinutes(30), null, null);

        _clock.Advance(TimeSpan.FromMinutes(31));

        Assert.Null(await Sessions.FindTicketAsync(id));
        Assert.False(await Sessions.IsActiveAsync(id));
        Assert.Empty(await Sessions.ListActiveAsync(user.Id));
    }

    [Fact]
    public async Task FindTicketAsync_RevokedSession_IsNotFoundAndRenewDoesNotRevive()
    {
        var user = await NewUserAsync();
        var id = await Sessions.CreateAsync(user.Id, [1], null, null, null);
        Assert.True((await Sessions.RevokeAsync(id, user.AsCaller(Roles.Viewer))).Succeeded);

        await Sessions.RenewAsync(id, [2], null);

        Assert.Null(await Sessions.FindTicketAsync(id));
        Assert.False(await Sessions.IsActiveAsync(id));
    }

    [Fact]
    public async Task FindTicketAsync_WithinResolution_DoesNotWriteLastSeen()
    {
        var user = await NewUserAsync();
        var created = _clock.GetUtcNow();
        var id = await Sessions.CreateAsync(user.Id, [1], null, null, null);

        _clock.Advance(TimeSpan.FromSeconds(30));
        await Sessions.FindTicketAsync(id);
        var afterShortPause = Assert.Single(await Sessions.ListActiveAsync(user.Id)).LastSeenAt;
        _clock.Advance(SessionService.LastSeenResolution);
        await Sessions.FindTicketAsync(id);
        var afterLongPause = Assert.Single(await Sessions.ListActiveAsync(user.Id)).LastSeenAt;

        Assert.Equal(created, afterShortPause);
        Assert.Equal(_clock.GetUtcNow(), afterLongPause);
    }

    [Fact]
    public async Task RevokeAsync_OwnSession_RevokesAndAudits()
    {
        var user = await NewUserAsync();
        var id = await Sessions.CreateAsync(user.Id, [1], null, "198.51.100.7", "Safari");

        var result = await Sessions.RevokeAsync(id, user.AsCaller(Roles.Viewer));

        Assert.True(result.Succeeded);
        Assert.False(await Sessions.IsActiveAsync(id));
        var audit = (await _services.GetRequiredService<AuditService>().PageAsync(new AuditFilter { ResourceId = id.ToString() })).Rows.Single();
        Assert.Equal((AuditActions.SessionRevoked, user.Id), (audit.Action, audit.UserId));
        Assert.Equal(user.UserName, await Sql.ScalarAsync<string>(_connectionString, "SELECT revoked_by FROM user_sessions WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task RevokeAsync_SomeoneElsesSessionAsNonAdmin_IsForbiddenAndSessionStaysActive()
    {
        var owner = await NewUserAsync();
        var intruder = await NewUserAsync();
        var id = await Sessions.CreateAsync(owner.Id, [1], null, null, null);
        var before = await DbSnapshot.TakeAsync(_connectionString);

        var result = await Sessions.RevokeAsync(id, intruder.AsCaller(Roles.Engineer));

        Assert.Equal(ResultStatus.Forbidden, result.Status);
        Assert.True(await Sessions.IsActiveAsync(id));
        Assert.Equal(before, await DbSnapshot.TakeAsync(_connectionString));
    }

    [Fact]
    public async Task RevokeAsync_SomeoneElsesSessionAsAdmin_Revokes()
    {
        var owner = await NewUserAsync();
        var admin = await NewUserAsync(Roles.Admin);
        var id = await Sessions.CreateAsync(owner.Id, [1], null, null, null);

        var result = await Sessions.RevokeAsync(id, admin.AsCaller(Roles.Admin));

        Assert.True(result.Succeeded);
        Assert.False(await Sessions.IsActiveAsync(id));
    }

    [Fact]
    public async Task RevokeAsync_UnknownOrAlreadyRevoked_IsNotFound()
    {
        var user = await NewUserAsync();
        var id = await Sessions.CreateAsync(user.Id, [1], null, null, null);
        await Sessions.RevokeAsync(id, user.AsCaller(Roles.Viewer));

        var again = await Sessions.RevokeAsync(id, user.AsCaller(Roles.Viewer));
        var unknown = await Sessions.RevokeAsync(Guid.NewGuid(), Caller.System);

        Assert.Equal(ResultStatus.NotFound, again.Status);
        Assert.Equal(ResultStatus.NotFound, unknown.Status);
    }

    [Fact]
    public async Task RevokeAllAsync_OwnSessionsExceptCurrent_KeepsTheCurrentOne()
    {
        var user = await NewUserAsync();
        var current = await Sessions.CreateAsync(user.Id, [1], null, null, "this browser");
        var other1 = await Sessions.CreateAsync(user.Id, [2], null, null, "laptop");
        var other2 = await Sessions.CreateAsync(user.Id, [3], null, null, "phone");
        var someoneElse = await Sessions.CreateAsync((await NewUserAsync()).Id, [4], null, null, null);

        var result = await Sessions.RevokeAllAsync(user.Id, current, user.AsCaller(Roles.Viewer));

        Assert.Equal(2, result.Value);
        Assert.True(await Sessions.IsActiveAsync(current));
        Assert.False(await Sessions.IsActiveAsync(other1));
        Assert.False(await Sessions.IsActiveAsync(other2));
        Assert.True(await Sessions.IsActiveAsync(someoneElse));
        Assert.Single((await _services.GetRequiredService<AuditService>().PageAsync(
            new AuditFilter { Actor = user.Id, Action = AuditActions.SessionRevoked })).Rows);
    }

    [Fact]
    public async Task RevokeAllAsync_NoCurrentSession_RevokesEverySession()
    {
        var user = await NewUserAsync();
        var admin = await NewUserAsync(Roles.Admin);
        var a = await Sessions.CreateAsync(user.Id, [1], null, null, null);
        var b = await Sessions.CreateAsync(user.Id, [2], null, null, null);

        var result = await Sessions.RevokeAllAsync(user.Id, null, admin.AsCaller(Roles.Admin));

        Assert.Equal(2, result.Value);
        Assert.False(await Sessions.IsActiveAsync(a));
        Assert.False(await Sessions.IsActiveAsync(b));
    }

    [Fact]
    public async Task RevokeAllAsync_OtherUserAsNonAdmin_IsForbiddenAndChangesNothing()
    {
        var owner = await NewUserAsync();
        var intruder = await NewUserAsync();
        var id = await Sessions.CreateAsync(owner.Id, [1], null, null, null);
        var before = await DbSnapshot.TakeAsync(_connectionString);

        var result = await Sessions.RevokeAllAsync(owner.Id, null, intruder.AsCaller(Roles.Approver));

        Assert.Equal(ResultStatus.Forbidden, result.Status);
        Assert.True(await Sessions.IsActiveAsync(id));
        Assert.Equal(before, await DbSnapshot.TakeAsync(_connectionString));
    }

    [Fact]
    public async Task RevokeAllAsync_NothingToRevoke_WritesNoAuditRow()
    {
        var user = await NewUserAsync();
        var current = await Sessions.CreateAsync(user.Id, [1], null, null, null);
        var before = await DbSnapshot.TakeAsync(_connectionString);

        var result = await Sessions.RevokeAllAsync(user.Id, current, user.AsCaller(Roles.Viewer));

        Assert.Equal(0, result.Value);
        Assert.Equal(before, await DbSnapshot.TakeAsync(_connectionString));
    }

    private Task<ApplicationUser> NewUserAsync(string role = Roles.Viewer) => TestUsers.CreateAsync(_services, role);
}
