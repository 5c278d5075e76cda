using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Users;

public sealed class PreferencesServiceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private PreferencesService Preferences => db.Get<PreferencesService>();

    [Fact]
    public async Task GetAsync_NothingSaved_ReturnsDefaults()
    {
        var user = await db.CreateUserAsync(Roles.Viewer);

        var preferences = await Preferences.GetAsync(user.Id);

        Assert.Equal((ThemePreference.System, true, true), (preferences.Theme, preferences.EmailNotifications, preferences.ApprovalRequestNotifications));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.ConnectionString, "SELECT count(*) FROM user_preferences WHERE user_id = @u", ("u", user.Id)));
    }

    [Fact]
    public async Task SaveAsync_FirstThenSecondTime_CreatesThenUpdatesOneRowAndAuditsEach()
    {
        var user = await db.CreateUserAsync(Roles.Viewer);
        var actor = new AuditActor(user.Id, user.UserName);

        await Preferences.SaveAsync(new UserPreferences { UserId = user.Id, Theme = ThemePreference.Dark, EmailNotifications = false }, actor);
        await Preferences.SaveAsync(new UserPreferences { UserId = user.Id, Theme = ThemePreference.Light, ApprovalRequestNotifications = false }, actor);

        var stored = await Preferences.GetAsync(user.Id);
        Assert.Equal((ThemePreference.Light, true, false), (stored.Theme, stored.EmailNotifications, stored.ApprovalRequestNotifications));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.ConnectionString, "SELECT count(*) FROM user_preferences WHERE user_id = @u", ("u", user.Id)));
        Assert.Equal("Light", await Sql.ScalarAsync<string>(db.ConnectionString, "SELECT theme FROM user_preferences WHERE user_id = @u", ("u", user.Id)));
        var audit = (await db.Get<AuditService>().PageAsync(new AuditFilter { ResourceId = user.Id, Action = AuditActions.PreferencesUpdated })).Rows;
        Assert.Equal(2, audit.Count);
        Assert.Contains("\"theme\":\"Light\"", audit[0].Details.Replace(" ", ""));
    }
}
