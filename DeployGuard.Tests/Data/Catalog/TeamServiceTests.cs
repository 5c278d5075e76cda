using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Catalog;

public sealed class TeamServiceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Caller Admin = new("admin-teams", "admin", [Roles.Admin]);

    private TeamService Teams => db.Get<TeamService>();

    [Fact]
    public async Task CreateAsync_ValidInput_StoresTrimmedTeamWithMembers()
    {
        var alice = await db.CreateUserAsync(Roles.Engineer);
        var bob = await db.CreateUserAsync(Roles.Viewer);
        var name = UniqueName();

        var result = await Teams.CreateAsync(new TeamInput
        {
            Name = $"{name}  ", Description = "  Runs the platform  ", SlackChannel = "#team-platform", MemberIds = [alice.Id, bob.Id, alice.Id],
        }, Admin);

        Assert.True(result.Succeeded, result.Message);
        var team = await Teams.GetAsync(result.Value!.Id);
        Assert.NotNull(team);
        Assert.Equal(name, team.Name);
        Assert.Equal("Runs the platform", team.Description);
        Assert.Equal("#team-platform", team.SlackChannel);
        Assert.Equal(new[] { alice.Id, bob.Id }.Order(), team.Members.Select(m => m.UserId).Order());
        Assert.Equal([team.Id], await Teams.TeamsOfAsync(alice.Id));
    }

    [Fact]
    public async Task CreateAsync_DuplicateNameInOtherCase_IsInvalidAndChangesNothing()
    {
        var name = UniqueName();
        Assert.True((await Teams.CreateAsync(new TeamInput { Name = name }, Admin)).Succeeded);
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Teams.CreateAsync(new TeamInput { Name = name.ToUpperInvariant() + " " }, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal(["A team with this name already exists."], result.Errors[nameof(TeamInput.Name)]);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task CreateAsync_OverLongFields_ReportsEachFieldAndChangesNothing()
    {
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Teams.CreateAsync(new TeamInput
        {
            Name = new string('n', 101), Description = new string('d', 1001), SlackChannel = "#" + new string('s', 80),
        }, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Contains("at most 100", result.Errors[nameof(TeamInput.Name)].Single());
        Assert.Contains("at most 1000", result.Errors[nameof(TeamInput.Description)].Single());
        Assert.Contains("at most 80", result.Errors[nameof(TeamInput.SlackChannel)].Single());
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Theory]
    [InlineData("general")]
    [InlineData("#Team")]
    [InlineData("#team platform")]
    [InlineData("#")]
    [InlineData("#-team")]
    public async Task CreateAsync_InvalidSlackChannel_IsInvalid(string channel)
    {
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Teams.CreateAsync(new TeamInput { Name = UniqueName(), SlackChannel = channel }, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.True(result.Errors.ContainsKey(nameof(TeamInput.SlackChannel)));
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("-leading-dash")]
    [InlineData("semi;colon")]
    [InlineData("<script>")]
    public async Task CreateAsync_InvalidName_IsInvalid(string name)
    {
        var result = await Teams.CreateAsync(new TeamInput { Name = name }, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.True(result.Errors.ContainsKey(nameof(TeamInput.Name)));
    }

    [Fact]
    public async Task CreateAsync_UnknownMember_IsInvalidAndChangesNothing()
    {
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Teams.CreateAsync(new TeamInput { Name = UniqueName(), MemberIds = ["no-such-user"] }, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.True(result.Errors.ContainsKey(nameof(TeamInput.MemberIds)));
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Theory]
    [InlineData(Roles.Engineer)]
    [InlineData(Roles.Approver)]
    [InlineData(Roles.Viewer)]
    public async Task CreateUpdateDelete_NotAdmin_AreForbiddenAndChangeNothing(string role)
    {
        var existing = (await Teams.CreateAsync(new TeamInput { Name = UniqueName() }, Admin)).Value!;
        var caller = TestUsers.Anonymous(role);
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var created = await Teams.CreateAsync(new TeamInput { Name = UniqueName() }, caller);
        var updated = await Teams.UpdateAsync(existing.Id, new TeamInput { Name = UniqueName() }, caller);
        var deleted = await Teams.DeleteAsync(existing.Id, caller);

        Assert.Equal(ResultStatus.Forbidden, created.Status);
        Assert.Equal(ResultStatus.Forbidden, updated.Status);
        Assert.Equal(ResultStatus.Forbidden, deleted.Status);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task UpdateAndDelete_UnknownId_AreNotFound()
    {
        var id = Guid.NewGuid();

        var updated = await Teams.UpdateAsync(id, new TeamInput { Name = UniqueName() }, Admin);
        var deleted = await Teams.DeleteAsync(id, Admin);

        Assert.Equal(ResultStatus.NotFound, updated.Status);
        Assert.Equal(ResultStatus.NotFound, deleted.Status);
        Assert.Null(await Teams.GetAsync(id));
    }

    [Fact]
    public async Task UpdateAsync_RenameToAnotherTeamsName_IsInvalidAndChangesNothing()
    {
        var first = (await Teams.CreateAsync(new TeamInput { Name = UniqueName() }, Admin)).Value!;
        var second = (await Teams.CreateAsync(new TeamInput { Name = UniqueName() }, Admin)).Value!;
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Teams.UpdateAsync(second.Id, new TeamInput { Name = first.Name.ToLowerInvariant() }, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task UpdateAsync_SameNameOtherCase_RenamesTheTeamItself()
    {
        var team = (await Teams.CreateAsync(new TeamInput { Name = UniqueName() }, Admin)).Value!;

        var result = await Teams.UpdateAsync(team.Id, new TeamInput { Name = team.Name.ToUpperInvariant() }, Admin);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(team.Name.ToUpperInvariant(), result.Value!.Name);
    }

    [Fact]
    public async Task UpdateAsync_ChangedMembers_AddsAndRemovesThem()
    {
        var alice = await db.CreateUserAsync(Roles.Engineer);
        var bob = await db.CreateUserAsync(Roles.Engineer);
        var team = (await Teams.CreateAsync(new TeamInput { Name = UniqueName(), MemberIds = [alice.Id] }, Admin)).Value!;

        var result = await Teams.UpdateAsync(team.Id, new TeamInput { Name = team.Name, MemberIds = [bob.Id] }, Admin);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal([bob.Id], result.Value!.Members.Select(m => m.UserId));
        Assert.Empty(await Teams.TeamsOfAsync(alice.Id));
    }

    [Fact]
    public async Task DeleteAsync_TeamOwningServices_IsInvalidAndChangesNothing()
    {
        var team = (await Teams.CreateAsync(new TeamInput { Name = UniqueName() }, Admin)).Value!;
        var service = await db.Get<ServiceCatalogService>().CreateAsync(
            new ServiceInput { Name = $"svc-{Guid.NewGuid():N}"[..16], TeamId = team.Id }, Admin);
        Assert.True(service.Succeeded, service.Message);
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Teams.DeleteAsync(team.Id, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Contains("1 service", result.Message);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task ListAsync_SearchSortAndPaging_ReturnsMatchingPage()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        foreach (var letter in new[] { "c", "a", "b" })
        {
            Assert.True((await Teams.CreateAsync(new TeamInput { Name = $"{letter} list_{tag}" }, Admin)).Succeeded);
        }

        var page = await Teams.ListAsync(new ListQuery { Search = $"LIST_{tag}", SortBy = nameof(TeamRow.Name), Descending = true, Skip = 1, Take = 1 });
        var noMatch = await Teams.ListAsync(new ListQuery { Search = $"list%{tag}" });

        Assert.Equal(3, page.Total);
        Assert.Equal([$"b list_{tag}"], page.Items.Select(t => t.Name));
        Assert.Equal(0, noMatch.Total);
    }

    private static string UniqueName() => $"Team {Guid.NewGuid():N}"[..17];
}
