using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.E2E.Infrastructure;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeployGuard.Tests.E2E.Deployments;

/// <summary>The pipeline editor under the service page: errors appear at their line, and only a valid pipeline saves.</summary>
[Collection(AppProcessCollection.Name)]
public sealed class PipelineEditorTests : AppInBrowserTest
{
    [Fact]
    public async Task EditPipeline_InvalidYaml_ShowsTheErrorAtItsLine_ValidYamlSaves()
    {
        var service = await Kit.ServiceAsync();
        var admin = await Kit.UserAsync(Roles.Admin);
        var page = await Browser.SignInAsync(App.BaseUrl, admin.UserName!, "Test-pass-2026");
        await page.OpenAsync($"/services/{service.Id}/pipeline");
        var editor = page.GetByLabel("YAML");

        await editor.FillAsync("stages:\n  - name: build\n    kind: command\n    run: make\n  - name: ship\n    kind: shipit\n");

        var error = page.Locator(".dg-yaml-error[data-line='6']");
        await Expect(error).ToContainTextAsync("Line 6, column 11: Unknown kind 'shipit'");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save pipeline" })).ToBeDisabledAsync();
        await page.ScreenshotAsync("pipeline-editor-error.png");

        await editor.FillAsync("stages:\n  - name: build\n    kind: command\n    run: make\n  - name: ship\n    kind: wait\n    seconds: 5\n");
        await Expect(page.GetByText("Valid: build → ship")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save pipeline" }).ClickAsync();
        await Expect(page.GetByText("Revision 1, saved by")).ToBeVisibleAsync();

        await using var db = Kit.Db();
        Assert.Contains("kind: wait", (await db.PipelineDefinitions.SingleAsync(p => p.ServiceId == service.Id)).Yaml);
    }

    [Fact]
    public async Task EditPipeline_LeavingOrFailedSave_KeepsTheUnsavedText()
    {
        const string Edited = "stages:\n  - name: build\n    kind: command\n    run: make all\n";
        var service = await Kit.ServiceAsync();
        var admin = await Kit.UserAsync(Roles.Admin);
        var page = await Browser.SignInAsync(App.BaseUrl, admin.UserName!, "Test-pass-2026");
        await page.OpenAsync($"/services/{service.Id}/pipeline");
        var editor = page.GetByLabel("YAML");
        await editor.FillAsync(Edited);
        await Expect(page.GetByTestId("pipeline-unsaved")).ToBeVisibleAsync();

        // Leaving with unsaved text asks first; staying keeps the text.
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to service" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("The changes you have not saved are lost");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        Assert.EndsWith($"/services/{service.Id}/pipeline", page.Url);
        await Expect(editor).ToHaveValueAsync(Edited);

        // The service is deleted meanwhile: the save fails, says why next to the editor, and the text stays.
        await using (var db = Kit.Db())
        {
            await db.Services.Where(s => s.Id == service.Id).ExecuteDeleteAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Save pipeline" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Not saved" })).ToContainTextAsync("does not exist");
        await Expect(editor).ToHaveValueAsync(Edited);
        await Expect(page.GetByTestId("pipeline-unsaved")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task EditPipeline_YamlTheParserChokesOn_ShowsLineAndColumnAndKeepsTheText()
    {
        var service = await Kit.ServiceAsync();
        var admin = await Kit.UserAsync(Roles.Admin);
        var page = await Browser.SignInAsync(App.BaseUrl, admin.UserName!, "Test-pass-2026");
        await page.OpenAsync($"/services/{service.Id}/pipeline");
        var editor = page.GetByLabel("YAML");
        const string typed = "stages:\n  - name: build\n    kind: command\n    run: make\n    ? :\n";

        await editor.FillAsync(typed);

        // Once made the page die (and the unsaved text with it): now an error at its line, and the circuit lives on.
        await Expect(page.Locator(".dg-yaml-error").First).ToContainTextAsync(new System.Text.RegularExpressions.Regex("Line [1-6], column [0-9]+: YAML syntax error"));
        await Expect(editor).ToHaveValueAsync(typed);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save pipeline" })).ToBeDisabledAsync();
        await editor.FillAsync("\t\t: : :");
        await Expect(page.Locator(".dg-yaml-error").First).ToContainTextAsync("YAML syntax error");
        await editor.FillAsync("stages:\n  - name: soak\n    kind: wait\n    seconds: 1\n");
        await Expect(page.GetByText("Valid: soak")).ToBeVisibleAsync();
    }
}
