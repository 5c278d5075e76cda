namespace DeployGuard.Data.Entities;

/// <summary>One batch of triage decisions, from the web app or anonymously from the CLI (seed 01).</summary>
public class FeedbackSubmission
{
    public Guid Id { get; set; }
    /// <summary>Anonymous client id hash (CLI), or a hash of the user id for web triage.</summary>
    public string ClientId { get; set; } = "";
    public string Source { get; set; } = "web";
    public int TotalDetected { get; set; }
    public int ConfirmedSecrets { get; set; }
    public int FalsePositives { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public List<FeedbackItem> Items { get; set; } = [];
}

/// <summary>One classified value: its hash, its shape, and whether it was a real secret.</summary>
public class FeedbackItem
{
    public Guid Id { get; set; }
    public Guid SubmissionId { get; set; }
    public FeedbackSubmission? Submission { get; set; }
    /// <summary>Keyed hash of the value (as <see cref="SecretFinding.SecretValueHash"/>).</summary>
    public string ValueHash { get; set; } = "";
    public string? HashKeyId { get; set; }
    public string ValuePattern { get; set; } = "";
    public string? RuleId { get; set; }
    public bool IsTruePositive { get; set; }
}

/// <summary>A value shape that triage says is usually not a secret, with the evidence (seed 01).</summary>
public class KnownFalsePositivePattern
{
    public Guid Id { get; set; }
    public string Pattern { get; set; } = "";
    public double Confidence { get; set; }
    public int SampleCount { get; set; }
    public int FalsePositiveCount { get; set; }
    public string Reason { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}
