using Bunit;
using DeployGuard.Data.Services.Common;
using DeployGuard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
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

    [Fact]
    public void Success_SameMessageTwice_ShownOnce()
    {
        var snackbars = Render<MudSnackbarProvider>();

        Notify.Success("1 finding marked confirmed");
        Notify.Success("1 finding marked confirmed");

        snackbars.WaitForAssertion(() => Assert.Single(snackbars.FindAll(".mud-snackbar")));
    }

    [Fact]
    public void Success_ManyInARow_OneAtATimeInTheAppBar()
    {
        var snackbars = Render<MudSnackbarProvider>();

        for (var i = 1; i <= 6; i++)
        {
            Notify.Success($"{i} findings marked confirmed");
        }

        // Oldest first, the rest wait their turn: a second toast would hang below the app bar, over the page's content.
        snackbars.WaitForAssertion(() => Assert.Single(snackbars.FindAll(".mud-snackbar")));
        Assert.Contains("1 findings", snackbars.Find(".mud-snackbar").TextContent);
        Assert.Contains("mud-snackbar-location-top-left", snackbars.Markup);
    }

    [Fact]
    public void Success_AfterAnErrorStillOpen_TakesItsPlace()
    {
        var snackbars = Render<MudSnackbarProvider>();
        Notify.Error("The service could not be saved: the database did not answer.");
        snackbars.WaitForAssertion(() => Assert.Contains("could not be saved", snackbars.Find(".mud-snackbar").TextContent));

        Notify.Success("Service payment-api saved");

        // One toast at a time: the error (which waits to be closed) would otherwise hold the success back.
        snackbars.WaitForAssertion(() => Assert.Contains("Service payment-api saved", snackbars.Find(".mud-snackbar").TextContent));
        Assert.DoesNotContain("could not be saved", snackbars.Markup);
    }

    [Fact]
    public void Error_PersonLeavesThePage_ErrorGoesWithIt()
    {
        var snackbars = Render<MudSnackbarProvider>();
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/findings");

        Notify.Error("The findings were not triaged: the database did not answer. Try again in a moment.");
        snackbars.WaitForAssertion(() => Assert.Single(snackbars.FindAll(".mud-snackbar")));

        // A changed filter is the same page: the error stays.
        navigation.NavigateTo("/findings?status=Open");
        snackbars.WaitForAssertion(() => Assert.Single(snackbars.FindAll(".mud-snackbar")));

        navigation.NavigateTo("/scans");
        snackbars.WaitForAssertion(() => Assert.Empty(snackbars.FindAll(".mud-snackbar")));
    }

    [Fact]
    public void Success_ThenNavigation_StaysToAnnounceIt()
    {
        var snackbars = Render<MudSnackbarProvider>();
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/services/new");

        Notify.Success("Service payment-api saved");
        navigation.NavigateTo("/services/1");

        snackbars.WaitForAssertion(() => Assert.Contains("Service payment-api saved", snackbars.Find(".mud-snackbar").TextContent));
    }

    private Notify Notify => Services.GetRequiredService<Notify>();
}
