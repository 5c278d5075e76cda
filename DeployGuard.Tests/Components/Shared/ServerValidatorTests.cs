using System.ComponentModel.DataAnnotations;
using System.Linq.Expressions;
using Bunit;
using DeployGuard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace DeployGuard.Tests.Components.Shared;

/// <summary>Server-side errors shown next to their fields, laid out as the edit pages do (DataAnnotationsValidator first).</summary>
public sealed class ServerValidatorTests : ComponentTestBase
{
    private readonly Input _model = new();
    private ServerValidator _validator = default!;
    private EditContext _editContext = default!;

    [Fact]
    public async Task Show_FieldErrors_AppearNextToTheirFields()
    {
        var cut = RenderForm();

        await cut.InvokeAsync(() => _validator.Show(new Dictionary<string, string[]>
        {
            ["Name"] = ["A team with this name already exists."],
            ["Url"] = ["Bad URL.", "Too long."],
        }));

        Assert.Equal(["A team with this name already exists."], Messages(cut, "name-errors"));
        Assert.Equal(["Bad URL.", "Too long."], Messages(cut, "url-errors"));
        Assert.Empty(Messages(cut, "summary"));
    }

    [Fact]
    public async Task Show_ErrorWithoutField_GoesToTheSummary()
    {
        var cut = RenderForm();

        await cut.InvokeAsync(() => _validator.Show(new Dictionary<string, string[]> { [""] = ["Team still owns 2 services."] }));

        Assert.Equal(["Team still owns 2 services."], Messages(cut, "summary"));
        Assert.Empty(Messages(cut, "name-errors"));
    }

    [Fact]
    public async Task FieldChanged_AfterServerError_ClearsOnlyThatField()
    {
        var cut = RenderForm();
        await cut.InvokeAsync(() => _validator.Show(new Dictionary<string, string[]> { ["Name"] = ["Taken."], ["Url"] = ["Bad URL."] }));

        await cut.Find("#name").ChangeAsync(new ChangeEventArgs { Value = "another name" });

        Assert.Empty(Messages(cut, "name-errors"));
        Assert.Equal(["Bad URL."], Messages(cut, "url-errors"));
        Assert.True(await cut.InvokeAsync(() => _editContext.Validate()));
    }

    [Fact]
    public async Task Validate_AfterServerErrors_ClearsThemAll()
    {
        var cut = RenderForm();
        await cut.InvokeAsync(() => _validator.Show(new Dictionary<string, string[]> { ["Name"] = ["Taken."], [""] = ["Nope."] }));

        var valid = await cut.InvokeAsync(() => _editContext.Validate());

        Assert.True(valid);
        Assert.Empty(Messages(cut, "name-errors"));
        Assert.Empty(Messages(cut, "summary"));
    }

    [Fact]
    public async Task Validate_ClientRuleFailsToo_ShowsOnlyTheClientError()
    {
        var cut = RenderForm();
        await cut.InvokeAsync(() => _validator.Show(new Dictionary<string, string[]> { ["Name"] = ["Taken."] }));
        await cut.Find("#name").ChangeAsync(new ChangeEventArgs { Value = "" });

        var valid = await cut.InvokeAsync(() => _editContext.Validate());

        Assert.False(valid);
        Assert.Equal(["Name is required."], Messages(cut, "name-errors"));
    }

    [Fact]
    public void Render_OutsideEditForm_ThrowsAClearError()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Render<ServerValidator>());

        Assert.Contains("inside an EditForm", error.Message);
    }

    private IRenderedComponent<IComponent> RenderForm() => Render(builder =>
    {
        builder.OpenComponent<EditForm>(0);
        builder.AddAttribute(1, nameof(EditForm.Model), _model);
        builder.AddAttribute(2, nameof(EditForm.ChildContent), (RenderFragment<EditContext>)(context => b =>
        {
            _editContext = context;
            b.OpenComponent<DataAnnotationsValidator>(0);
            b.CloseComponent();
            b.OpenComponent<ServerValidator>(1);
            b.AddComponentReferenceCapture(2, r => _validator = (ServerValidator)r);
            b.CloseComponent();
            b.OpenElement(3, "div");
            b.AddAttribute(4, "id", "summary");
            b.OpenComponent<ValidationSummary>(5);
            b.AddAttribute(6, nameof(ValidationSummary.Model), _model);
            b.CloseComponent();
            b.CloseElement();
            b.OpenComponent<InputText>(7);
            b.AddAttribute(8, "id", "name");
            b.AddAttribute(9, nameof(InputText.Value), _model.Name);
            b.AddAttribute(10, nameof(InputText.ValueChanged), EventCallback.Factory.Create<string?>(this, v => _model.Name = v));
            b.AddAttribute(11, nameof(InputText.ValueExpression), (Expression<Func<string?>>)(() => _model.Name));
            b.CloseComponent();
            b.AddContent(12, MessagesFor("name-errors", () => _model.Name));
            b.AddContent(13, MessagesFor("url-errors", () => _model.Url));
        }));
        builder.CloseComponent();
    });

    private static RenderFragment MessagesFor(string id, Expression<Func<string?>> field) => b =>
    {
        b.OpenElement(0, "div");
        b.AddAttribute(1, "id", id);
        b.OpenComponent<ValidationMessage<string?>>(2);
        b.AddAttribute(3, nameof(ValidationMessage<string?>.For), field);
        b.CloseComponent();
        b.CloseElement();
    };

    private static List<string> Messages(IRenderedComponent<IComponent> cut, string id) =>
        cut.FindAll($"#{id} .validation-message, #{id} li").Select(e => e.TextContent.Trim()).ToList();

    private sealed class Input
    {
        [Required(ErrorMessage = "Name is required.")]
        public string? Name { get; set; } = "platform";

        public string? Url { get; set; }
    }
}
