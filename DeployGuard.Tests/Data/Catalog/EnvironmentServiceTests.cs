using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Catalog;

public sealed class EnvironmentServiceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Caller Admin = new("admin-envs", "admin", [Roles.Admin]);

    private EnvironmentService Environments => db.Get<EnvironmentService>();

    [Fact]
    public async Task CreateAsync_ValidProtectedProduction_StoresIt()
    {
        var name = UniqueName();

        var result = await Environments.CreateAsync(new EnvironmentInput
        {
            Name = name, Description = "  Customer traffic ", Type = EnvironmentType.Production, SortOrder = 30, IsProtected = true, RequiredApprovals = 2,
        }, Admin);

        Assert.True(result.Succeeded, result.Message);
        var stored = await Environments.GetAsync(result.Value!.Id);
        Assert.Equal((name, "Customer traffic", EnvironmentType.Production, 30, true, 2),
            (stored!.Name, stored.Description, stored.Type, stored.SortOrder, stored.IsProtected, stored.RequiredApprovals));
    }

    [Fact]
    public async Task CreateAsync_DuplicateNameInOtherCase_IsInvalidAndChangesNothing()
    {
        var name = UniqueName();
        Assert.True((await Environments.CreateAsync(new EnvironmentInput { Name = name }, Admin)).Succeeded);
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var result = await Environments.CreateAsync(new EnvironmentInput { Name = name.ToUpperInvariant() }, Admin);

        Assert.Equal(["An environment with this name already exists."], result.Errors[nameof(EnvironmentInput.Name)]);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Theory]
    [InlineData(nameof(EnvironmentInput.Name), 51, 0, 0, false)]
    [InlineData(nameof(EnvironmentInput.Description), 10, 0, 0, false)]
    [InlineData(nameof(EnvironmentInput.RequiredApprovals), 10, 11, 0, false)]
    [InlineData(nameof(EnvironmentInput.RequiredApprovals), 10, -1, 0, false)]
    [InlineData(nameof(EnvironmentInput.RequiredApprovals), 10, 0, 0, true)] // protected needs an approval
    [InlineData(nameof(EnvironmentInput.SortOrder), 10, 0, 1001, false)]
    [InlineData(nameof(EnvironmentInput.SortOrder), 10, 0, -1, false)]
    public async Task CreateAsync_OutOfRangeField_ReportsThatFieldAndChangesNothing(string field, int nameLength, int approvals, int order, bool isProtected)
    {
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);
        var input = new EnvironmentInput
        {
            Name = ("e" + Guid.NewGuid().ToString("N") + new string('x', 60))[..nameLength],
            Description = field == nameof(EnvironmentInput.Description) ? new string('d', 1001) : null,
            RequiredApprovals = approvals, SortOrder = order, IsProtected = isProtected,
        };

        var result = await Environments.CreateAsync(input, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal([field], result.Errors.Keys);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Theory]
    [InlineData("prod/eu")]
    [InlineData(" leading")]
    [InlineData("drop;table")]
    public async Task CreateAsync_InvalidName_IsInvalid(string name)
    {
        var result = await Environments.CreateAsync(new EnvironmentInput { Name = name }, Admin);

        Assert.Equal([nameof(EnvironmentInput.Name)], result.Errors.Keys);
    }

    [Fact]
    public async Task CreateAsync_UndefinedType_IsInvalid()
    {
        var result = await Environments.CreateAsync(new EnvironmentInput { Name = UniqueName(), Type = (EnvironmentType)9 }, Admin);

        Assert.Equal([nameof(EnvironmentInput.Type)], result.Errors.Keys);
    }

    [Theory]
    [InlineData(Roles.Engineer)]
    [InlineData(Roles.Approver)]
    [InlineData(Roles.Viewer)]
    public async Task CreateUpdateDelete_NotAdmin_AreForbiddenAndChangeNothing(string role)
    {
        var existing = (await Environments.CreateAsync(new EnvironmentInput { Name = UniqueName() }, Admin)).Value!;
        var caller = TestUsers.Anonymous(role);
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);

        var created = await Environments.CreateAsync(new EnvironmentInput { Name = UniqueName() }, caller);
        var updated = await Environments.UpdateAsync(existing.Id, existing.ToInput(), caller);
        var deleted = await Environments.DeleteAsync(existing.Id, caller);

        Assert.Equal([ResultStatus.Forbidden, ResultStatus.Forbidden, ResultStatus.Forbidden], new[] { created.Status, updated.Status, deleted.Status });
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task UpdateAndDelete_UnknownId_AreNotFound()
    {
        var id = Guid.NewGuid();

        var updated = await Environments.UpdateAsync(id, new EnvironmentInput { Name = UniqueName() }, Admin);
        var deleted = await Environments.DeleteAsync(id, Admin);

        Assert.Equal(ResultStatus.NotFound, updated.Status);
        Assert.Equal(ResultStatus.NotFound, deleted.Status);
        Assert.Null(await Environments.GetAsync(id));
    }

    [Fact]
    public async Task UpdateAsync_RenameToExistingName_IsInvalidAndChangesNothing()
    {
        var first = (await Environments.CreateAsync(new EnvironmentInput { Name = UniqueName() }, Admin)).Value!;
        var second = (await Environments.CreateAsync(new EnvironmentInput { Name = UniqueName() }, Admin)).Value!;
        var before = await DbSnapshot.TakeAsync(db.ConnectionString);
        var edit = second.ToInput();
        edit.Name = first.Name.ToUpperInvariant();

        var result = await Environments.UpdateAsync(second.Id, edit, Admin);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Equal(before, await DbSnapshot.TakeAsync(db.ConnectionString));
    }

    [Fact]
    public async Task ListAsync_TypeFilterAndDefaultOrder_ReturnsEnvironmentsInPromotionOrder()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        foreach (var (name, order) in new[] { ("late", 900), ("early", 100), ("middle", 500) })
        {
            Assert.True((await Environments.CreateAsync(
                new EnvironmentInput { Name = $"{name}-{tag}", SortOrder = order, Type = EnvironmentType.Staging }, Admin)).Succeeded);
        }

        var page = await Environments.ListAsync(new EnvironmentQuery { Search = tag, Type = EnvironmentType.Staging });
        var none = await Environments.ListAsync(new EnvironmentQuery { Search = tag, Type = EnvironmentType.Production });

        Assert.Equal([$"early-{tag}", $"middle-{tag}", $"late-{tag}"], page.Items.Select(e => e.Name));
        Assert.Equal(0, none.Total);
    }

    private static string UniqueName() => $"env-{Guid.NewGuid():N}"[..20];
}
