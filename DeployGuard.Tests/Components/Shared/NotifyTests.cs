using Bunit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Npgsql;

namespace DeployGuard.Tests.Components.Shared;

/// <summary>Outcomes as snackbars: what was done, or why it could not be, including the database not answering.</summary>
public sealed class NotifyTests : ComponentTestBase
{
    [Fact]
    public void Result_Succeeded_ShowsWhatWasDone()
    {
        var snackbars = Render<MudSnackbarProvider>();

        var succeeded = Notify.Result(Result<Unit>.Ok(Unit.Value), "Team platform deleted", "The team platform could not be deleted");

        Assert.True(succeeded);
        snackbars.WaitForAssertion(() => Assert.Contains("Team platform deleted", snackbars.Find(".mud-snackbar").TextContent));
        Assert.Contains("filled-success", snackbars.Find(".mud-snackbar").ClassName);
    }

    [Fact]
    public void Result_Failed_ShowsTheServicesReason()
    {
        var snackbars = Render<MudSnackbarProvider>();

        var succeeded = Notify.Result(Result<Unit>.Invalid("", "The team still owns 2 services."), "Team platform deleted", "The team platform could not be deleted");

        Assert.False(succeeded);
        snackbars.WaitForAssertion(() => Assert.Contains("The team platform could not be deleted: The team still owns 2 services.",
            snackbars.Find(".mud-snackbar").TextContent));
        Assert.Contains("filled-error", snackbars.Find(".mud-snackbar").ClassName);
    }

    [Fact]
    public void Result_FormFieldErrors_LeftToTheForm()
    {
        var snackbars = Render<MudSnackbarProvider>();

        var succeeded = Notify.Result(Result<Unit>.Invalid("Name", "Name is taken."), "Saved", "Not saved", form: true);

        Assert.False(succeeded);
        Assert.Empty(snackbars.FindAll(".mud-snackbar"));
    }

    [Fact]
    public async Task RunAsync_DatabaseUnavailable_SaysSoAndReturnsNull()
    {
        var snackbars = Render<MudSnackbarProvider>();

        var result = await Notify.RunAsync<Unit>(() => throw new NpgsqlException("connection refused"), "Saved", "The team could not be saved");

        Assert.Null(result);
        snackbars.WaitForAssertion(() => Assert.Contains("The team could not be saved: the database did not answer.", snackbars.Find(".mud-snackbar").TextContent));
    }

    [Fact]
    public async Task RunAsync_Bug_IsNotSwallowed()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Notify.RunAsync<Unit>(() => throw new InvalidOperationException("bug"), "Saved", "Not saved"));
    }

    private Notify Notify => Services.GetRequiredService<Notify>();
}
