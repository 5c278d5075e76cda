using MudBlazor;

namespace DeployGuard.Web.Components.Shared;

/// <summary>Asks before anything destructive or audited: the consequence in words, a button that names the action.</summary>
public sealed class Confirm(IDialogService dialogs)
{
    /// <summary>True when the person pressed <paramref name="action"/>; false on Cancel, Escape or closing the dialog.</summary>
    public async Task<bool> AskAsync(string title, string consequence, string action, bool destructive = true)
    {
        var parameters = new DialogParameters<ConfirmDialog>
        {
            { d => d.Consequence, consequence },
            { d => d.Action, action },
            { d => d.Destructive, destructive },
        };
        var dialog = await dialogs.ShowAsync<ConfirmDialog>(title, parameters);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: true };
    }

    /// <summary>Asks for a reason (kept in the audit trail); null when cancelled.</summary>
    public async Task<string?> AskReasonAsync(string title, string prompt, string action, int minLength = 3)
    {
        var parameters = new DialogParameters<ReasonPrompt>
        {
            { d => d.Prompt, prompt },
            { d => d.Action, action },
            { d => d.MinLength, minLength },
        };
        var dialog = await dialogs.ShowAsync<ReasonPrompt>(title, parameters);
        var result = await dialog.Result;
        return result is { Canceled: false, Data: string reason } ? reason : null;
    }
}
