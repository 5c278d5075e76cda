using DeployGuard.Data.Services.Deployments;
using DeployGuard.Web.Components.Deployments;

namespace DeployGuard.Tests.Components.Deployments;

/// <summary>A deployment's metrics read like its stage cards: the walk of issue 9 saw "0.105 s" under a stage saying "105 ms".</summary>
public sealed class CheckResultsTests
{
    [Theory]
    [InlineData(0.105, "s", "105 ms")]
    [InlineData(12.34, "s", "12.3 s")]
    [InlineData(850, "ms", "850 ms")]
    [InlineData(3, "restarts", "3 restarts")]
    [InlineData(0.5, null, "0.5")]
    public void Value_MetricWithUnit_ReadsLikeTheStageCards(double value, string? unit, string expected) =>
        Assert.Equal(expected, CheckResults.Value(new MetricRow("stage.build.duration", value, unit, DateTimeOffset.UnixEpoch)));
}
