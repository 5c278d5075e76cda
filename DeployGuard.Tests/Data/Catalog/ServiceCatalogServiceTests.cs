using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Catalog;

public sealed class ServiceCatalogServiceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Caller Admin = new("admin-services", "admin", [Roles.Admin]);

    private ServiceCatalogService Catalog => db.Get<ServiceCatalogService>();

    [Fact]
    public async Task CreateAsync_AllFieldsValid_StoresTheService()
    {
        var owner = await db.CreateUserAsync(Roles.Engineer);
        var team = await NewTeamAsync();
        var name = UniqueName();

        var result = await Catalog.CreateAsync(new ServiceInput
        {
            Name = name, Description = " Payments ", RepositoryUrl = " https://github.com/acme/payments.git ", DefaultBranch = "main",
            BuildCommand = "dotnet publish", Runtime = ServiceRuntime.DotNet, AutoDeployEnabled = true, AutoDeployBranch = "release/2.0",
            TeamId = team, OwnerId = owner.Id,
        }, Admin);

        Assert.True(result.Succeeded, result.Message);
        var stored = await Catalog.GetAsync(result.Value!.Id);
        Assert.NotNull(stored);
        Assert.Equal((name, "Payments", "https://github.com/acme/payments.git"), (stored.Name, stored.Description, stored.RepositoryUrl));
        Assert.Equal((ServiceRuntime.DotNet, true, "release/2.0", team), (stored.Runtime, stored.AutoDeployEnabled, stored.AutoDeployBranch, stored.TeamId));
        Assert.Equal(owner.Id, stored.OwnerId);
    }

    [Fact]
    public async Task CreateAsync_DuplicateName_IsInvalidAndChangesNothing()
    {
        var name = UniqueName();
        Assert.True((await Catalog.CreateAsync(new ServiceInput { Name = name }, Admin)).Succeeded);
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Catalog.CreateAsync(new ServiceInput { Name = name }, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal(["A service with this name already exists."], result.Errors[nameof(ServiceInput.Name)]);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task CreateAsync_DuplicateNameInOtherCaseStoredBehindValidation_IsStillRefused()
    {
        // Names are lowercase by rule; a row written before that rule (or by SQL) must still block its twin.
        var name = UniqueName();
        await Sql.ExecuteAsync(db.ConnectionString, """
            INSERT INTO services (id, name, default_branch, runtime, auto_deploy_enabled, internet_facing, created_at, updated_at)
            VALUES (gen_random_uuid(), @name, 'main', 'Docker', false, false, now(), now())
            """, ("name", name.ToUpperInvariant()));

        var result = await Catalog.CreateAsync(new ServiceInput { Name = name }, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.True(result.Errors.ContainsKey(nameof(ServiceInput.Name)));
    }

    [Fact]
    public async Task CreateAsync_OverLongFields_ReportsEachFieldAndChangesNothing()
    {
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Catalog.CreateAsync(new ServiceInput
        {
            Name = new string('a', 101), Description = new string('d', 1001), RepositoryUrl = "https://example.com/" + new string('r', 490),
            DefaultBranch = new string('b', 101), BuildCommand = new string('c', 2001),
        }, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal(
            [nameof(ServiceInput.BuildCommand), nameof(ServiceInput.DefaultBranch), nameof(ServiceInput.Description), nameof(ServiceInput.Name),
                nameof(ServiceInput.RepositoryUrl)],
            result.Errors.Keys.Order());
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://example.com/repo.git")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://")]
    [InlineData("github.com/acme/repo")]
    [InlineData("git@github.com")]
    public async Task CreateAsync_InvalidRepositoryUrl_IsInvalidAndChangesNothing(string url)
    {
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), RepositoryUrl = url }, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal([nameof(ServiceInput.RepositoryUrl)], result.Errors.Keys);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Theory]
    [InlineData("https://github.com/acme/repo.git")]
    [InlineData("http://gitea.local:3000/acme/repo")]
    [InlineData("ssh://git@github.com/acme/repo.git")]
    [InlineData("git@github.com:acme/repo.git")]
    public async Task CreateAsync_ValidRepositoryUrl_IsAccepted(string url)
    {
        var result = await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), RepositoryUrl = url }, Admin);

        Assert.True(result.Succeeded, result.Message);
    }

    [Theory]
    [InlineData("-main")]
    [InlineData("/main")]
    [InlineData("main/")]
    [InlineData("a..b")]
    [InlineData("a//b")]
    [InlineData("feature x")]
    [InlineData("topic.lock")]
    [InlineData("main~1")]
    [InlineData("")]
    public async Task CreateAsync_InvalidBranchName_IsInvalidAndChangesNothing(string branch)
    {
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), DefaultBranch = branch }, Admin);
        var autoDeploy = await Catalog.CreateAsync(
            new ServiceInput { Name = UniqueName(), AutoDeployEnabled = true, AutoDeployBranch = branch }, Admin);

        Assert.Equal([nameof(ServiceInput.DefaultBranch)], result.Errors.Keys);
        Assert.Equal([nameof(ServiceInput.AutoDeployBranch)], autoDeploy.Errors.Keys);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Theory]
    [InlineData("Payment-API")]
    [InlineData("payment api")]
    [InlineData("-payment")]
    [InlineData("pay/ment")]
    public async Task CreateAsync_InvalidName_IsInvalid(string name)
    {
        var result = await Catalog.CreateAsync(new ServiceInput { Name = name }, Admin);

        Assert.Equal([nameof(ServiceInput.Name)], result.Errors.Keys);
    }

    [Fact]
    public async Task CreateAsync_UnknownTeamOwnerOrRuntime_ReportsEachField()
    {
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Catalog.CreateAsync(new ServiceInput
        {
            Name = UniqueName(), TeamId = Guid.NewGuid(), OwnerId = "no-such-user", Runtime = (ServiceRuntime)42,
        }, Admin);

        Assert.Equal([nameof(ServiceInput.OwnerId), nameof(ServiceInput.Runtime), nameof(ServiceInput.TeamId)], result.Errors.Keys.Order());
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task CreateAsync_AutoDeployWithoutBranch_IsInvalid()
    {
        var result = await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), AutoDeployEnabled = true }, Admin);

        Assert.Equal(["Choose the branch that deploys automatically."], result.Errors[nameof(ServiceInput.AutoDeployBranch)]);
    }

    [Fact]
    public async Task CreateAsync_EngineerForOwnTeam_Succeeds()
    {
        var (engineer, ownTeam, _) = await EngineerWithTeamAsync();

        var result = await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), TeamId = ownTeam }, engineer);

        Assert.True(result.Succeeded, result.Message);
        Assert.True(await Catalog.CanEditAsync(ownTeam, engineer));
    }

    [Fact]
    public async Task CreateAsync_EngineerForOtherTeamOrNoTeam_IsForbiddenAndChangesNothing()
    {
        var (engineer, _, otherTeam) = await EngineerWithTeamAsync();
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var forOther = await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), TeamId = otherTeam }, engineer);
        var forNone = await Catalog.CreateAsync(new ServiceInput { Name = UniqueName() }, engineer);

        Assert.Equal(ResultStatus.Forbidden, forOther.Status);
        Assert.Equal(ResultStatus.Forbidden, forNone.Status);
        Assert.False(await Catalog.CanEditAsync(otherTeam, engineer));
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task UpdateAndDelete_EngineerOnOtherTeamsService_AreForbiddenAndChangeNothing()
    {
        var (engineer, ownTeam, otherTeam) = await EngineerWithTeamAsync();
        var foreign = (await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), TeamId = otherTeam }, Admin)).Value!;
        var own = (await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), TeamId = ownTeam }, Admin)).Value!;
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var editForeign = foreign.ToInput();
        editForeign.Description = "hijacked";
        var updatedForeign = await Catalog.UpdateAsync(foreign.Id, editForeign, engineer);
        var deletedForeign = await Catalog.DeleteAsync(foreign.Id, engineer);
        var moveOwnAway = own.ToInput();
        moveOwnAway.TeamId = otherTeam;
        var movedAway = await Catalog.UpdateAsync(own.Id, moveOwnAway, engineer);

        Assert.Equal(ResultStatus.Forbidden, updatedForeign.Status);
        Assert.Equal(ResultStatus.Forbidden, deletedForeign.Status);
        Assert.Equal(ResultStatus.Forbidden, movedAway.Status);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task UpdateAndDelete_EngineerOnOwnTeamsService_Succeed()
    {
        var (engineer, ownTeam, _) = await EngineerWithTeamAsync();
        var own = (await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), TeamId = ownTeam }, Admin)).Value!;

        var edit = own.ToInput();
        edit.Description = "ours";
        var updated = await Catalog.UpdateAsync(own.Id, edit, engineer);
        var deleted = await Catalog.DeleteAsync(own.Id, engineer);

        Assert.True(updated.Succeeded, updated.Message);
        Assert.Equal("ours", updated.Value!.Description);
        Assert.True(deleted.Succeeded, deleted.Message);
        Assert.Null(await Catalog.GetAsync(own.Id));
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Approver)]
    public async Task CreateUpdateDelete_ViewerOrApprover_AreForbiddenAndChangeNothing(string role)
    {
        var team = await NewTeamAsync();
        var existing = (await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), TeamId = team }, Admin)).Value!;
        var caller = TestUsers.Anonymous(role);
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var created = await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), TeamId = team }, caller);
        var updated = await Catalog.UpdateAsync(existing.Id, existing.ToInput(), caller);
        var deleted = await Catalog.DeleteAsync(existing.Id, caller);

        Assert.Equal([ResultStatus.Forbidden, ResultStatus.Forbidden, ResultStatus.Forbidden], new[] { created.Status, updated.Status, deleted.Status });
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task UpdateAndDelete_UnknownId_AreNotFound()
    {
        var id = Guid.NewGuid();

        var updated = await Catalog.UpdateAsync(id, new ServiceInput { Name = UniqueName() }, Admin);
        var deleted = await Catalog.DeleteAsync(id, Admin);

        Assert.Equal(ResultStatus.NotFound, updated.Status);
        Assert.Equal(ResultStatus.NotFound, deleted.Status);
    }

    [Fact]
    public async Task UpdateAsync_InvalidInput_ChangesNothing()
    {
        var existing = (await Catalog.CreateAsync(new ServiceInput { Name = UniqueName(), RepositoryUrl = "https://example.com/a.git" }, Admin)).Value!;
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);
        var edit = existing.ToInput();
        edit.RepositoryUrl = "nonsense";
        edit.Description = "should not be saved";

        var result = await Catalog.UpdateAsync(existing.Id, edit, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task ListAsync_SortedByTeamNameAndFiltered_ReturnsOrderedPage()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var teamB = await NewTeamAsync($"B team {tag}");
        var teamA = await NewTeamAsync($"A team {tag}");
        foreach (var (name, team, runtime) in new[] { ("x1", teamB, ServiceRuntime.Go), ("x2", teamA, ServiceRuntime.Go), ("x3", teamA, ServiceRuntime.Java) })
        {
            Assert.True((await Catalog.CreateAsync(new ServiceInput { Name = $"{name}-{tag}", TeamId = team, Runtime = runtime }, Admin)).Succeeded);
        }

        var byTeam = await Catalog.ListAsync(new ServiceQuery { Search = tag, SortBy = nameof(ServiceRow.TeamName) });
        var goOnly = await Catalog.ListAsync(new ServiceQuery { Search = tag, Runtime = ServiceRuntime.Go, SortBy = nameof(ServiceRow.Name), Descending = true });
        var ofTeamA = await Catalog.ListAsync(new ServiceQuery { TeamId = teamA, SortBy = nameof(ServiceRow.OwnerName) });

        Assert.Equal([$"x2-{tag}", $"x3-{tag}", $"x1-{tag}"], byTeam.Items.Select(s => s.Name));
        Assert.Equal($"A team {tag}", byTeam.Items[0].TeamName);
        Assert.Equal([$"x2-{tag}", $"x1-{tag}"], goOnly.Items.Select(s => s.Name));
        Assert.Equal(2, ofTeamA.Total);
    }

    private async Task<(Caller Engineer, Guid OwnTeam, Guid OtherTeam)> EngineerWithTeamAsync()
    {
        var user = await db.CreateUserAsync(Roles.Engineer);
        var own = (await db.Get<TeamService>().CreateAsync(new TeamInput { Name = $"Own {Guid.NewGuid():N}"[..16], MemberIds = [user.Id] }, Admin)).Value!;
        var other = await NewTeamAsync();
        return (user.AsCaller(Roles.Engineer), own.Id, other);
    }

    private async Task<Guid> NewTeamAsync(string? name = null)
    {
        var result = await db.Get<TeamService>().CreateAsync(new TeamInput { Name = name ?? $"Team {Guid.NewGuid():N}"[..17] }, Admin);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.Id;
    }

    private static string UniqueName() => $"svc-{Guid.NewGuid():N}"[..20];
}
