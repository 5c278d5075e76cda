using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Sessions;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Data.Users;

/// <summary>Role assignment and admin operations. Tests that need an empty user table get a database of their own.</summary>
public sealed class UserAdminServiceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly AuditActor Registrar = new(null, "registration");

    [Fact]
    public async Task AssignInitialRoleAsync_FirstAndLaterAccounts_FirstIsAdminOthersPending()
    {
        await using var services = await EmptyDatabaseAsync();
        var registration = services.GetRequiredService<RegistrationService>();
        var first = await TestUsers.CreateAsync(services, role: null);
        var second = await TestUsers.CreateAsync(services, role: null);

        var firstRole = await registration.AssignInitialRoleAsync(first.Id, Registrar);
        var secondRole = await registration.AssignInitialRoleAsync(second.Id, Registrar);

        Assert.Equal(Roles.Admin, firstRole);
        Assert.Null(secondRole);
        Assert.Equal([Roles.Admin], await RolesOfAsync(services, first.Id));
        Assert.Empty(await RolesOfAsync(services, second.Id));
        var pending = await services.GetRequiredService<UserAdminService>().ListAsync(new UserQuery { Role = UserAdminService.PendingRole });
        Assert.Equal([second.Id], pending.Items.Select(u => u.Id));
    }

    [Fact]
    public async Task AssignInitialRoleAsync_SeveralSignUpsAtOnceOnEmptyDatabase_ExactlyOneBecomesAdmin()
    {
        await using var services = await EmptyDatabaseAsync();
        var registration = services.GetRequiredService<RegistrationService>();
        var users = new List<ApplicationUser>();
        for (var i = 0; i < 6; i++)
        {
            users.Add(await TestUsers.CreateAsync(services, role: null));
        }

        var roles = await Task.WhenAll(users.Select(u => Task.Run(() => registration.AssignInitialRoleAsync(u.Id, Registrar))));

        Assert.Single(roles, r => r == Roles.Admin);
        Assert.Equal(5, roles.Count(r => r is null));
        Assert.Single((await services.GetRequiredService<UserAdminService>().ListAsync(new UserQuery { Role = Roles.Admin })).Items);
    }

    [Fact]
    public async Task AssignInitialRoleAsync_InviteOnlyOnEmptyDatabase_NobodyBootstrapsAsAdmin()
    {
        await using var services = TestPostgres.BuildDataServices(await TestPostgres.CreateDatabaseAsync("users"),
            s => s.Configure<AuthOptions>(o => o.Registration = RegistrationPolicy.InviteOnly));
        var registration = services.GetRequiredService<RegistrationService>();
        var first = await TestUsers.CreateAsync(services, role: null);

        var role = await registration.AssignInitialRoleAsync(first.Id, Registrar);
        var state = await registration.StateAsync();

        Assert.Null(role);
        Assert.False(state.SelfRegistration);
        Assert.False(state.Bootstrap);
    }

    [Fact]
    public async Task ChangeRoleAsync_LastAdminDemoted_IsInvalidAndChangesNothing()
    {
        await using var services = await EmptyDatabaseAsync();
        var admin = services.GetRequiredService<UserAdminService>();
        var only = await TestUsers.CreateAsync(services, Roles.Admin);
        var stamp = await StampOfAsync(services, only.Id);

        var result = await admin.ChangeRoleAsync(only.Id, Roles.Viewer, only.AsCaller(Roles.Admin));

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Contains("last admin", result.Message);
        Assert.Equal([Roles.Admin], await RolesOfAsync(services, only.Id));
        Assert.Equal(stamp, await StampOfAsync(services, only.Id));
    }

    [Fact]
    public async Task ChangeRoleAsync_TwoAdminsDemoteEachOtherAtOnce_OneAdminRemains()
    {
        await using var services = await EmptyDatabaseAsync();
        var admin = services.GetRequiredService<UserAdminService>();
        var a = await TestUsers.CreateAsync(services, Roles.Admin);
        var b = await TestUsers.CreateAsync(services, Roles.Admin);

        var results = await Task.WhenAll(
            Task.Run(() => admin.ChangeRoleAsync(b.Id, Roles.Viewer, a.AsCaller(Roles.Admin))),
            Task.Run(() => admin.ChangeRoleAsync(a.Id, Roles.Viewer, b.AsCaller(Roles.Admin))));

        Assert.Single(results, r => r.Succeeded);
        Assert.Single((await admin.ListAsync(new UserQuery { Role = Roles.Admin })).Items);
    }

    [Fact]
    public async Task DeleteAsync_LastAdmin_IsInvalidAndKeepsTheAccount()
    {
        await using var services = await EmptyDatabaseAsync();
        var admin = services.GetRequiredService<UserAdminService>();
        var only = await TestUsers.CreateAsync(services, Roles.Admin);

        var result = await admin.DeleteAsync(only.Id, Caller.System);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Contains("last admin", result.Message);
        Assert.NotNull(await FindAsync(services, only.Id));
    }

    [Fact]
    public async Task ChangeRoleAsync_ViewerToEngineer_ChangesRoleStampAndAudits()
    {
        var actingAdmin = await db.CreateUserAsync(Roles.Admin);
        var user = await db.CreateUserAsync(Roles.Viewer);
        var stamp = await StampOfAsync(db.Services, user.Id);

        var result = await db.Get<UserAdminService>().ChangeRoleAsync(user.Id, Roles.Engineer, actingAdmin.AsCaller(Roles.Admin));

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal([Roles.Engineer], await RolesOfAsync(db.Services, user.Id));
        Assert.NotEqual(stamp, await StampOfAsync(db.Services, user.Id));
        var audit = (await db.Get<AuditService>().PageAsync(new AuditFilter { ResourceId = user.Id, Action = AuditActions.RoleChanged })).Rows.Single();
        Assert.Equal(actingAdmin.Id, audit.UserId);
        Assert.Contains("\"from\":\"Viewer\"", audit.Details.Replace(" ", ""));
        Assert.Contains("\"to\":\"Engineer\"", audit.Details.Replace(" ", ""));
    }

    [Fact]
    public async Task ChangeRoleAsync_SameRole_ChangesNothing()
    {
        var user = await db.CreateUserAsync(Roles.Approver);
        var stamp = await StampOfAsync(db.Services, user.Id);
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await db.Get<UserAdminService>().ChangeRoleAsync(user.Id, Roles.Approver, Caller.System);

        Assert.True(result.Succeeded);
        Assert.Equal(stamp, await StampOfAsync(db.Services, user.Id));
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task ChangeRoleAsync_BadRequests_AreRefusedAndChangeNothing()
    {
        var user = await db.CreateUserAsync(Roles.Viewer);
        var service = db.Get<UserAdminService>();
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var unknownRole = await service.ChangeRoleAsync(user.Id, "Root", Caller.System);
        var unknownUser = await service.ChangeRoleAsync("no-such-user", Roles.Engineer, Caller.System);
        var notAdmin = await service.ChangeRoleAsync(user.Id, Roles.Admin, user.AsCaller(Roles.Engineer));

        Assert.Equal(ResultStatus.Invalid, unknownRole.Status);
        Assert.Equal(ResultStatus.NotFound, unknownUser.Status);
        Assert.Equal(ResultStatus.Forbidden, notAdmin.Status);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task SetLockedAsync_Lock_LocksAccountRevokesSessionsAndChangesStamp()
    {
        var user = await db.CreateUserAsync(Roles.Engineer);
        var sessions = db.Get<SessionService>();
        var s1 = await sessions.CreateAsync(user.Id, [1], null, "10.0.0.1", "browser one");
        var s2 = await sessions.CreateAsync(user.Id, [2], null, "10.0.0.2", "browser two");
        var stamp = await StampOfAsync(db.Services, user.Id);

        var result = await db.Get<UserAdminService>().SetLockedAsync(user.Id, true, Caller.System);

        Assert.True(result.Succeeded, result.Message);
        Assert.False(await sessions.IsActiveAsync(s1));
        Assert.False(await sessions.IsActiveAsync(s2));
        Assert.Null(await sessions.FindTicketAsync(s1));
        Assert.NotEqual(stamp, await StampOfAsync(db.Services, user.Id));
        var stored = await FindAsync(db.Services, user.Id);
        Assert.Equal(DateTimeOffset.MaxValue, stored!.LockoutEnd);
        Assert.True((await db.Get<UserAdminService>().ListAsync(new UserQuery { Search = user.Email })).Items.Single().LockedOut);
    }

    [Fact]
    public async Task SetLockedAsync_Unlock_ClearsLockoutAndFailedCount()
    {
        var user = await db.CreateUserAsync(Roles.Engineer);
        var service = db.Get<UserAdminService>();
        Assert.True((await service.SetLockedAsync(user.Id, true, Caller.System)).Succeeded);

        var result = await service.SetLockedAsync(user.Id, false, Caller.System);

        Assert.True(result.Succeeded, result.Message);
        var stored = await FindAsync(db.Services, user.Id);
        Assert.Null(stored!.LockoutEnd);
        Assert.Equal(0, stored.AccessFailedCount);
        Assert.Equal([AuditActions.UserUnlocked, AuditActions.UserLocked],
            (await db.Get<AuditService>().PageAsync(new AuditFilter { ResourceId = user.Id })).Rows.Select(r => r.Action));
    }

    [Fact]
    public async Task SetLockedAsync_OwnAccountOrNotAdmin_IsRefused()
    {
        var admin = await db.CreateUserAsync(Roles.Admin);
        var other = await db.CreateUserAsync(Roles.Viewer);
        var service = db.Get<UserAdminService>();

        var self = await service.SetLockedAsync(admin.Id, true, admin.AsCaller(Roles.Admin));
        var notAdmin = await service.SetLockedAsync(admin.Id, true, other.AsCaller(Roles.Viewer));
        var unknown = await service.SetLockedAsync("no-such-user", true, Caller.System);

        Assert.Equal(ResultStatus.Invalid, self.Status);
        Assert.Equal(ResultStatus.Forbidden, notAdmin.Status);
        Assert.Equal(ResultStatus.NotFound, unknown.Status);
        Assert.Null((await FindAsync(db.Services, admin.Id))!.LockoutEnd);
    }

    [Fact]
    public async Task DeleteAsync_OtherUser_RemovesAccountSessionsAndAudits()
    {
        var actingAdmin = await db.CreateUserAsync(Roles.Admin);
        var user = await db.CreateUserAsync(Roles.Viewer);
        var session = await db.Get<SessionService>().CreateAsync(user.Id, [1], null, null, null);

        var result = await db.Get<UserAdminService>().DeleteAsync(user.Id, actingAdmin.AsCaller(Roles.Admin));

        Assert.True(result.Succeeded, result.Message);
        Assert.Null(await FindAsync(db.Services, user.Id));
        Assert.False(await db.Get<SessionService>().IsActiveAsync(session));
        Assert.Single((await db.Get<AuditService>().PageAsync(new AuditFilter { ResourceId = user.Id, Action = AuditActions.UserDeleted })).Rows);
    }

    [Fact]
    public async Task DeleteAsync_SelfNotAdminOrUnknown_IsRefused()
    {
        var admin = await db.CreateUserAsync(Roles.Admin);
        var viewer = await db.CreateUserAsync(Roles.Viewer);
        var service = db.Get<UserAdminService>();
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var self = await service.DeleteAsync(admin.Id, admin.AsCaller(Roles.Admin));
        var notAdmin = await service.DeleteAsync(admin.Id, viewer.AsCaller(Roles.Viewer));
        var unknown = await service.DeleteAsync("no-such-user", Caller.System);

        Assert.Equal(ResultStatus.Invalid, self.Status);
        Assert.Equal(ResultStatus.Forbidden, notAdmin.Status);
        Assert.Equal(ResultStatus.NotFound, unknown.Status);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task ListAsync_SearchAndRole_ReturnsMatchingUsersWithRoleAndSessionCount()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var engineer = await TestUsers.CreateAsync(db.Services, Roles.Engineer, $"eng_{tag}@test.local");
        await TestUsers.CreateAsync(db.Services, Roles.Viewer, $"view_{tag}@test.local");
        await db.Get<SessionService>().CreateAsync(engineer.Id, [1], null, null, null);

        var all = await db.Get<UserAdminService>().ListAsync(new UserQuery { Search = tag });
        var engineers = await db.Get<UserAdminService>().ListAsync(new UserQuery { Search = $"_{tag}", Role = Roles.Engineer });

        Assert.Equal(2, all.Total);
        var row = Assert.Single(engineers.Items);
        Assert.Equal((engineer.Id, Roles.Engineer, 1), (row.Id, row.Role, row.ActiveSessions));
    }

    private static async Task<ServiceProvider> EmptyDatabaseAsync() =>
        TestPostgres.BuildDataServices(await TestPostgres.CreateDatabaseAsync("users"));

    private static async Task<ApplicationUser?> FindAsync(IServiceProvider services, string id)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(id);
    }

    private static async Task<IList<string>> RolesOfAsync(IServiceProvider services, string id)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await users.GetRolesAsync((await users.FindByIdAsync(id))!);
    }

    private static async Task<string?> StampOfAsync(IServiceProvider services, string id) => (await FindAsync(services, id))!.SecurityStamp;
}
