using DeployGuard.Data.Services.Audit;
using DeployGuard.Tests.Infrastructure;

namespace DeployGuard.Tests.Data.Audit;

/// <summary>
/// 150 rows in three time windows of 50: actors alice/bob/carol (ids user-a/b/c) take turns, actions cycle
/// through three names, resources through two types.
/// </summary>
public sealed class AuditQueryFixture : IAsyncLifetime
{
    public DatabaseFixture Database { get; } = new();

    public DateTimeOffset FirstWindowEnd { get; private set; }
    public DateTimeOffset SecondWindowEnd { get; private set; }
    public List<long> AllIdsNewestFirst { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        await InsertAsync(0);
        FirstWindowEnd = await NowAsync();
        await InsertAsync(50);
        SecondWindowEnd = await NowAsync();
        await InsertAsync(100);
        AllIdsNewestFirst = await Sql.ListAsync<long>(Database.ConnectionString, "SELECT id FROM audit_logs ORDER BY id DESC");
    }

    public Task DisposeAsync() => Database.DisposeAsync();

    private Task InsertAsync(int offset) => Sql.ExecuteAsync(Database.ConnectionString, """
        INSERT INTO audit_logs (user_id, user_name, action, resource_type, resource_id, details)
        SELECT 'user-' || (ARRAY['a','b','c'])[1 + i % 3],
               (ARRAY['Alice Adams','Bob Brown','Carol 100% Clark'])[1 + i % 3],
               (ARRAY['team.created','service.updated','auth.sign_in'])[1 + i % 3],
               (ARRAY['team','service'])[1 + i % 2],
               'res-' || (i % 5),
               jsonb_build_object('i', i)
        FROM generate_series(@from, @to) AS i
        """, ("from", offset), ("to", offset + 49));

    private async Task<DateTimeOffset> NowAsync() =>
        await Sql.ScalarAsync<DateTime>(Database.ConnectionString, "SELECT clock_timestamp()");
}

public sealed class AuditQueryTests(AuditQueryFixture data) : IClassFixture<AuditQueryFixture>
{
    private AuditService Audit => data.Database.Get<AuditService>();

    [Fact]
    public async Task PageAsync_NoCursor_ReturnsNewestRowsAndCursorForOlder()
    {
        var page = await Audit.PageAsync(new AuditFilter(), pageSize: 20);

        Assert.Equal(data.AllIdsNewestFirst.Take(20), page.Rows.Select(r => r.Id));
        Assert.Equal(page.Rows[^1].Id, page.NextBefore);
        Assert.False(page.HasNewer);
    }

    [Fact]
    public async Task PageAsync_FollowingBeforeCursors_VisitsEveryRowOnceNewestFirst()
    {
        var seen = new List<long>();
        long? cursor = null;
        var pages = 0;
        do
        {
            var page = await Audit.PageAsync(new AuditFilter(), before: cursor, pageSize: 40);
            Assert.Equal(pages > 0, page.HasNewer);
            seen.AddRange(page.Rows.Select(r => r.Id));
            cursor = page.NextBefore;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(4, pages); // 40 + 40 + 40 + 30
        Assert.Equal(data.AllIdsNewestFirst, seen);
    }

    [Fact]
    public async Task PageAsync_AfterCursor_GoesBackToThePreviousPage()
    {
        var first = await Audit.PageAsync(new AuditFilter(), pageSize: 25);
        var second = await Audit.PageAsync(new AuditFilter(), before: first.NextBefore, pageSize: 25);
        var third = await Audit.PageAsync(new AuditFilter(), before: second.NextBefore, pageSize: 25);

        var backToSecond = await Audit.PageAsync(new AuditFilter(), after: third.Rows[0].Id, pageSize: 25);
        var backToFirst = await Audit.PageAsync(new AuditFilter(), after: backToSecond.Rows[0].Id, pageSize: 25);

        Assert.Equal(second.Rows.Select(r => r.Id), backToSecond.Rows.Select(r => r.Id));
        Assert.True(backToSecond.HasNewer);
        Assert.Equal(second.NextBefore, backToSecond.NextBefore);
        Assert.Equal(first.Rows.Select(r => r.Id), backToFirst.Rows.Select(r => r.Id));
        Assert.False(backToFirst.HasNewer);
    }

    [Fact]
    public async Task PageAsync_LastPage_HasNoOlderCursor()
    {
        var oldest = data.AllIdsNewestFirst[^1];

        var page = await Audit.PageAsync(new AuditFilter(), before: data.AllIdsNewestFirst[^5], pageSize: 50);
        var beyond = await Audit.PageAsync(new AuditFilter(), before: oldest, pageSize: 50);

        Assert.Equal(4, page.Rows.Count);
        Assert.Null(page.NextBefore);
        Assert.True(page.HasNewer);
        Assert.Empty(beyond.Rows);
        Assert.Null(beyond.NextBefore);
    }

    [Theory]
    [InlineData("user-b", 50)] // exact user id
    [InlineData("alice", 50)] // name, case-insensitive substring
    [InlineData("  ADAMS ", 50)]
    [InlineData("100%", 50)] // LIKE wildcards match literally
    [InlineData("%", 50)] // only Carol's name holds a '%'
    [InlineData("%%", 0)]
    [InlineData("_", 0)]
    [InlineData("user-", 0)] // ids match exactly, not as a prefix
    public async Task PageAsync_ActorFilter_MatchesUserIdExactlyOrNameAsText(string actor, int expected)
    {
        var rows = await AllAsync(new AuditFilter { Actor = actor });

        Assert.Equal(expected, rows.Count);
    }

    [Fact]
    public async Task PageAsync_ActionAndResourceFilters_ReturnOnlyMatchingRowsNewestFirst()
    {
        var byAction = await AllAsync(new AuditFilter { Action = "service.updated" });
        var byResource = await AllAsync(new AuditFilter { ResourceType = "team", ResourceId = "res-3" });
        var combined = await AllAsync(new AuditFilter { Action = "auth.sign_in", Actor = "user-c", ResourceType = "service" });

        Assert.Equal(50, byAction.Count);
        Assert.All(byAction, r => Assert.Equal("service.updated", r.Action));
        Assert.Equal(byAction.OrderByDescending(r => r.Id).Select(r => r.Id), byAction.Select(r => r.Id));
        Assert.Equal(15, byResource.Count); // i % 2 == 0 and i % 5 == 3 over 150 values
        Assert.All(byResource, r => Assert.Equal(("team", "res-3"), (r.ResourceType, r.ResourceId)));
        Assert.Equal(25, combined.Count); // i % 3 == 2 and i odd
        Assert.All(combined, r => Assert.Equal(("auth.sign_in", "user-c", "service"), (r.Action, r.UserId, r.ResourceType)));
    }

    [Fact]
    public async Task PageAsync_DateRange_ReturnsRowsOfThatWindowOnly()
    {
        var middle = await AllAsync(new AuditFilter { From = data.FirstWindowEnd, To = data.SecondWindowEnd });
        var fromOnly = await AllAsync(new AuditFilter { From = data.SecondWindowEnd });
        var toOnly = await AllAsync(new AuditFilter { To = data.FirstWindowEnd });
        var empty = await AllAsync(new AuditFilter { From = data.SecondWindowEnd, To = data.FirstWindowEnd });
        var future = await AllAsync(new AuditFilter { From = data.SecondWindowEnd.AddYears(1) });

        Assert.Equal(data.AllIdsNewestFirst.Skip(50).Take(50), middle.Select(r => r.Id));
        Assert.Equal(data.AllIdsNewestFirst.Take(50), fromOnly.Select(r => r.Id));
        Assert.Equal(data.AllIdsNewestFirst.Skip(100), toOnly.Select(r => r.Id));
        Assert.Empty(empty);
        Assert.Empty(future);
    }

    [Fact]
    public async Task PageAsync_FilteredPaging_KeysetCursorsStayWithinTheFilter()
    {
        var filter = new AuditFilter { Action = "team.created" };
        var first = await Audit.PageAsync(filter, pageSize: 20);
        var second = await Audit.PageAsync(filter, before: first.NextBefore, pageSize: 20);
        var third = await Audit.PageAsync(filter, before: second.NextBefore, pageSize: 20);

        Assert.Equal(20, first.Rows.Count);
        Assert.Equal(20, second.Rows.Count);
        Assert.Equal(10, third.Rows.Count);
        Assert.Null(third.NextBefore);
        Assert.Equal(50, first.Rows.Concat(second.Rows).Concat(third.Rows).Select(r => r.Id).Distinct().Count());
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-5, 1)]
    [InlineData(100_000, 150)] // clamped to 500, and only 150 rows exist
    public async Task PageAsync_OutOfRangePageSize_IsClamped(int pageSize, int expectedRows)
    {
        var page = await Audit.PageAsync(new AuditFilter(), pageSize: pageSize);

        Assert.Equal(expectedRows, page.Rows.Count);
    }

    [Fact]
    public async Task GetAsync_KnownAndUnknownIds_ReturnsRowOrNull()
    {
        var known = await Audit.GetAsync(data.AllIdsNewestFirst[7]);
        var unknown = await Audit.GetAsync(long.MaxValue);

        Assert.NotNull(known);
        Assert.Equal(data.AllIdsNewestFirst[7], known.Id);
        Assert.Null(unknown);
    }

    [Fact]
    public async Task ActionsAsync_ReturnsDistinctActionsSorted()
    {
        var actions = await Audit.ActionsAsync();

        Assert.Equal(["auth.sign_in", "service.updated", "team.created"], actions);
    }

    [Fact]
    public async Task StreamAsync_Filter_YieldsEveryMatchingRowOldestFirst()
    {
        var rows = new List<AuditRow>();
        await foreach (var row in Audit.StreamAsync(new AuditFilter { Actor = "user-a" }))
        {
            rows.Add(row);
        }

        Assert.Equal(50, rows.Count);
        Assert.Equal(rows.OrderBy(r => r.Id).Select(r => r.Id), rows.Select(r => r.Id));
    }

    private async Task<List<AuditRow>> AllAsync(AuditFilter filter) => (await Audit.PageAsync(filter, pageSize: 500)).Rows.ToList();
}
