using Bunit;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Web.Components.Deployments;

namespace DeployGuard.Tests.Components.Deployments;

/// <summary>The stage cards: each state in words (never colour alone), why a stage waits or failed, durations that tick while running.</summary>
public sealed class StageTimelineTests : ComponentTestBase
{
    private StageRow Stage(string name, StageKind kind, StageStatus status, int position, long? durationMs = null, int? exitCode = null,
        string? error = null, DateTimeOffset? startedAt = null, DateTimeOffset? notBefore = null) =>
        new(Guid.NewGuid(), name, kind, position, status, startedAt, null, durationMs, exitCode, error, null, notBefore, null);

    [Fact]
    public void Render_EveryState_SaysStatusWaitAndFailure()
    {
        var now = Clock.GetUtcNow();
        var cut = Render<StageTimeline>(p => p.Add(t => t.Stages, [
            Stage("build", StageKind.Command, StageStatus.Succeeded, 0, durationMs: 4300, exitCode: 0),
            Stage("approval", StageKind.Approval, StageStatus.Running, 1, startedAt: now),
            Stage("soak", StageKind.Command, StageStatus.Pending, 2, notBefore: now.AddMinutes(2)),
            Stage("smoke", StageKind.Command, StageStatus.Failed, 3, durationMs: 900, exitCode: 1, error: "GET /health returned 503"),
        ]));

        // Finished: the succeeded and the failed one.
        Assert.Equal("2 of 4 stages done", cut.Find("[data-testid=stage-progress]").TextContent);
        var build = cut.Find("li[data-stage=build]");
        Assert.Equal("Succeeded", build.GetAttribute("data-stage-status"));
        Assert.Contains("4.3 s", build.TextContent);
        Assert.Contains("exit code 0", build.TextContent);
        Assert.Equal("Stage 1, build: succeeded", build.GetAttribute("aria-label"));
        Assert.Contains("waiting for approval", cut.Find("li[data-stage=approval]").TextContent);
        var timer = cut.Find("li[data-stage=soak] time");
        Assert.Equal("in 2 min 00 s", timer.TextContent);
        Assert.Equal(now.AddMinutes(2).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'"), timer.GetAttribute("title"));
        var smoke = cut.Find("li[data-stage=smoke]");
        Assert.Equal("Failed", smoke.GetAttribute("data-stage-status"));
        Assert.Contains("GET /health returned 503", smoke.TextContent);
        Assert.Contains("exit code 1", smoke.TextContent);
    }

    [Fact]
    public void Render_RunningStage_DurationTicksWithTheClock()
    {
        var cut = Render<StageTimeline>(p => p.Add(t => t.Stages, [
            Stage("deploy", StageKind.Command, StageStatus.Running, 0, startedAt: Clock.GetUtcNow()),
        ]));

        Clock.Advance(TimeSpan.FromSeconds(3));

        cut.WaitForAssertion(() => Assert.Contains("3.0 s", cut.Find("li[data-stage=deploy]").TextContent));
        Assert.Equal("0 of 1 stage done", cut.Find("[data-testid=stage-progress]").TextContent);
    }
    [Fact]
    public void Render_OneStageChanged_RendersOnlyThatStagesCard()
    {
        var build = Stage("build", StageKind.Command, StageStatus.Succeeded, 0, durationMs: 1200, exitCode: 0);
        var deploy = Stage("deploy", StageKind.External, StageStatus.Pending, 1);
        var smoke = Stage("smoke", StageKind.Command, StageStatus.Pending, 2);
        var cut = Render<StageTimeline>(p => p.Add(t => t.Stages, [build, deploy, smoke]));
        var cards = cut.FindComponents<StageCard>();
        var before = cards.Select(c => c.RenderCount).ToList();

        cut.Render(p => p.Add(t => t.Stages, [build, deploy with { Status = StageStatus.Succeeded, DurationMs = 2000 }, smoke]));

        Assert.Equal([before[0], before[1] + 1, before[2]], cards.Select(c => c.RenderCount).ToList());
        Assert.Equal("Succeeded", cut.Find("li[data-stage=deploy]").GetAttribute("data-stage-status"));
        Assert.Equal("2 of 3 stages done", cut.Find("[data-testid=stage-progress]").TextContent);
    }

    [Fact]
    public void Render_EqualStagesInANewList_RendersNoCardAndNotTheRow()
    {
        var stages = new[] { Stage("build", StageKind.Command, StageStatus.Succeeded, 0, durationMs: 1200, exitCode: 0) };
        var cut = Render<StageTimeline>(p => p.Add(t => t.Stages, stages));
        var card = cut.FindComponent<StageCard>();
        var (rowRenders, cardRenders) = (cut.RenderCount, card.RenderCount);

        // What the page passes after an event about something else: a new list with equal stages.
        cut.Render(p => p.Add(t => t.Stages, stages.ToList()));

        Assert.Equal(rowRenders, cut.RenderCount);
        Assert.Equal(cardRenders, card.RenderCount);
    }

    [Fact]
    public async Task Show_NewerStages_UpdatesTheRowWithoutNewParameters()
    {
        var deploy = Stage("deploy", StageKind.External, StageStatus.Running, 0, startedAt: Clock.GetUtcNow());
        var cut = Render<StageTimeline>(p => p.Add(t => t.Stages, [deploy]));

        await cut.InvokeAsync(() => cut.Instance.Show([deploy with { Status = StageStatus.Succeeded, DurationMs = 500 }]));

        Assert.Equal("Succeeded", cut.Find("li[data-stage=deploy]").GetAttribute("data-stage-status"));
        Assert.Equal("1 of 1 stage done", cut.Find("[data-testid=stage-progress]").TextContent);
    }
}
