namespace DeployGuard.Scanning.Contracts;

/// <summary>
/// The validation rules of docs/api/scanning.md, in one place for the CLI (before sending) and the server
/// (on receipt). An empty list means valid; each message names the offending field.
/// </summary>
public static class ContractValidation
{
    public const int MaxFindingsPerUpload = 50_000;
    public const int MaxFeedbackItems = 10_000;
    public const int MaxPatternLength = 255;
    public const int MaxPathLength = 500;
    public const int MaxReasonLength = 500;

    public static IReadOnlyList<string> Validate(ScanReport report)
    {
        var errors = new List<string>();
        if (report.SchemaVersion != ScanReport.CurrentSchemaVersion)
        {
            errors.Add($"schemaVersion: {report.SchemaVersion} is not supported (expected {ScanReport.CurrentSchemaVersion}).");
        }

        if (report.Mode is not (ScanModes.Directory or ScanModes.History))
        {
            errors.Add($"mode: '{report.Mode}' must be '{ScanModes.Directory}' or '{ScanModes.History}'.");
        }

        if (report.CompletedAt < report.StartedAt)
        {
            errors.Add("completedAt: must not be before startedAt.");
        }

        if (report.Findings.Count > MaxFindingsPerUpload)
        {
            errors.Add($"findings: {report.Findings.Count} exceeds the limit of {MaxFindingsPerUpload}.");
        }

        for (var i = 0; i < report.Findings.Count && errors.Count < 20; i++)
        {
            var f = report.Findings[i];
            if (!SecretHasher.IsValidHash(f.SecretHash))
            {
                errors.Add($"findings[{i}].secretHash: must be 64 lower-case hex characters.");
            }

            if (string.IsNullOrWhiteSpace(f.RuleId))
            {
                errors.Add($"findings[{i}].ruleId: required.");
            }

            if (string.IsNullOrWhiteSpace(f.FilePath) || f.FilePath.Length > MaxPathLength)
            {
                errors.Add($"findings[{i}].filePath: required, at most {MaxPathLength} characters.");
            }

            if (f.Line < 1 || f.Column < 1)
            {
                errors.Add($"findings[{i}]: line and column are 1-based.");
            }

            if (f.ValuePattern.Length > MaxPatternLength)
            {
                errors.Add($"findings[{i}].valuePattern: at most {MaxPatternLength} characters.");
            }

            if (report.Mode == ScanModes.History && f.Commit is null)
            {
                errors.Add($"findings[{i}].commit: required for history scans.");
            }
        }

        return errors;
    }

    public static IReadOnlyList<string> Validate(FeedbackSubmission submission)
    {
        var errors = new List<string>();
        if (!SecretHasher.IsValidHash(submission.ClientId))
        {
            errors.Add("clientId: must be a SHA-256 hex hash (64 lower-case hex characters).");
        }

        if (submission.Items.Count == 0 || submission.Items.Count > MaxFeedbackItems)
        {
            errors.Add($"items: between 1 and {MaxFeedbackItems} items.");
        }

        var confirmed = submission.Items.Count(i => i.IsTruePositive);
        if (submission.ConfirmedSecrets != confirmed || submission.FalsePositives != submission.Items.Count - confirmed)
        {
            errors.Add("confirmedSecrets/falsePositives: must equal the counts of items with isTruePositive true/false.");
        }

        if (submission.TotalDetected < submission.Items.Count)
        {
            errors.Add("totalDetected: must be at least the number of items.");
        }

        for (var i = 0; i < submission.Items.Count && errors.Count < 20; i++)
        {
            var item = submission.Items[i];
            if (!SecretHasher.IsValidHash(item.ValueHash))
            {
                errors.Add($"items[{i}].valueHash: must be 64 lower-case hex characters.");
            }

            if (item.ValuePattern.Length > MaxPatternLength || !ValuePattern.IsValid(item.ValuePattern))
            {
                errors.Add($"items[{i}].valuePattern: not a valid value pattern of at most {MaxPatternLength} characters.");
            }

            if (item.Reason?.Length > MaxReasonLength)
            {
                errors.Add($"items[{i}].reason: at most {MaxReasonLength} characters.");
            }
        }

        return errors;
    }
}
