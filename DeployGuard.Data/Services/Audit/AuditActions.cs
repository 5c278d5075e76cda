namespace DeployGuard.Data.Services.Audit;

/// <summary>
/// Every audit action the application writes, spelled out in full so that a grep for a name found in the audit log
/// lands here. The values are stored in <c>audit_logs.action</c>: never change one (old rows keep the old name).
/// </summary>
public static class AuditActions
{
    // Sign-in and accounts (resource type: user).
    public const string SignInSucceeded = "auth.sign_in";
    public const string SignInFailed = "auth.sign_in_failed";
    public const string SignInTwoFactorFailed = "auth.two_factor_failed";
    public const string LockedOut = "auth.locked_out";
    public const string SignedOut = "auth.sign_out";
    public const string UserRegistered = "user.registered";
    public const string EmailConfirmed = "user.email_confirmed";
    public const string PasswordChanged = "user.password_changed";
    public const string PasswordReset = "user.password_reset";
    public const string PasswordResetRequested = "user.password_reset_requested";
    public const string TwoFactorEnabled = "user.two_factor_enabled";
    public const string TwoFactorDisabled = "user.two_factor_disabled";
    public const string RecoveryCodesGenerated = "user.recovery_codes_generated";
    public const string AuthenticatorReset = "user.authenticator_reset";
    public const string ProfileUpdated = "user.profile_updated";
    public const string PreferencesUpdated = "user.preferences_updated";
    public const string RoleChanged = "user.role_changed";
    public const string UserLocked = "user.locked";
    public const string UserUnlocked = "user.unlocked";
    public const string UserDeleted = "user.deleted";
    public const string PendingApproval = "user.pending_approval";
    public const string InvitationCreated = "invitation.created";
    public const string InvitationRevoked = "invitation.revoked";
    public const string InvitationAccepted = "invitation.accepted";
    public const string SessionRevoked = "session.revoked";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";

    // Catalog.
    public const string TeamCreated = "team.created";
    public const string TeamUpdated = "team.updated";
    public const string TeamDeleted = "team.deleted";
    public const string ServiceCreated = "service.created";
    public const string ServiceUpdated = "service.updated";
    public const string ServiceDeleted = "service.deleted";
    public const string EnvironmentCreated = "environment.created";
    public const string EnvironmentUpdated = "environment.updated";
    public const string EnvironmentDeleted = "environment.deleted";
    public const string EnvironmentProtectionUpdated = "environment.protection_updated";
    public const string FreezeWindowAdded = "environment.freeze_window_added";
    public const string FreezeWindowRemoved = "environment.freeze_window_removed";

    // Releases, pipelines and deployments.
    public const string ReleaseCreated = "release.created";
    public const string ReleaseUpdated = "release.updated";
    public const string ReleaseBlocked = "release.blocked";
    public const string ReleaseUnblocked = "release.unblocked";
    public const string PipelineUpdated = "pipeline.updated";
    public const string DeploymentQueued = "deployment.queued";
    public const string DeploymentFreezeOverridden = "deployment.freeze_overridden";
    public const string DeploymentPromotionOverridden = "deployment.promotion_overridden";
    public const string DeploymentCancelled = "deployment.cancelled";
    public const string DeploymentRolledBack = "deployment.rolled_back";
    public const string DeploymentExternalReported = "deployment.external_reported";
    public const string DeploymentMetricRecorded = "deployment.metric_recorded";
    public const string DeploymentDeleted = "deployment.deleted";
    public const string DeploymentApproved = "deployment.approved";
    public const string DeploymentRejected = "deployment.rejected";
    public const string DeploymentStageRecovered = "deployment.stage_recovered";
    public const string DeploymentFinished = "deployment.finished";
    // A refused report on a deployment (another team's engineer, a CI token of another service): denied calls are kept too.
    public const string DeploymentAccessDenied = "deployment.access_denied";

    // Secret scanning.
    public const string ScanStarted = "scan.started";
    public const string ScanUploaded = "scan.uploaded";
    public const string ScanCompleted = "scan.completed";
    public const string ScanFailed = "scan.failed";
    public const string FindingTriaged = "finding.triaged";
    public const string FindingSelectedForCleaning = "finding.selected_for_cleaning";
    public const string FindingUnselectedForCleaning = "finding.unselected_for_cleaning";
    public const string CleanRequested = "clean.requested";
    public const string CleanCompleted = "clean.completed";
    public const string CleanFailed = "clean.failed";
    public const string CleanBundleDownloaded = "clean.bundle_downloaded";
    // Without a resource prefix since the first release; kept so old and new rows filter alike.
    public const string SecretCleaned = "secret_cleaned";
    public const string FeedbackReceived = "feedback.received";
    public const string SecretHashesRekeyed = "finding.hashes_rekeyed";

    // Vulnerability management (issue 11).
    public const string ScanImported = "scan.imported";
    public const string ScanTriggered = "scan.triggered";
    public const string ScanDeleted = "scan.deleted";
    public const string VulnerabilityStatusChanged = "vulnerability.status_changed";
    public const string RiskAccepted = "risk.accepted";
    public const string RiskRevoked = "risk.revoked";
    public const string RiskExpired = "risk.expired";
    public const string EpssImported = "epss.imported";
    public const string SecurityPolicyUpdated = "security_policy.updated";
    public const string SecurityGateOverridden = "deployment.gate_overridden";

    // AI analyses of scans (issue 11, section 5; resource type: scan).
    public const string AnalysisCompleted = "analysis.completed";
    public const string AnalysisFailed = "analysis.failed";
}

/// <summary>Every value of <c>audit_logs.resource_type</c>.</summary>
public static class ResourceTypes
{
    public const string User = "user";
    public const string Session = "session";
    public const string ApiToken = "api_token";
    public const string Team = "team";
    public const string Service = "service";
    public const string Environment = "environment";
    public const string Audit = "audit";
    public const string Scan = "scan";
    public const string Finding = "finding";
    public const string Feedback = "feedback";
    public const string Release = "release";
    public const string Deployment = "deployment";
    public const string Pipeline = "pipeline";
    public const string Vulnerability = "vulnerability";
    public const string RiskAcceptance = "risk_acceptance";
    public const string Epss = "epss";
    public const string SecurityPolicy = "security_policy";
    public const string Invitation = "invitation";

    /// <summary>For filters: every resource type, in the order people look for them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [User, Invitation, Session, ApiToken, Team, Service, Environment, Release, Pipeline, Deployment, Scan, Finding, Vulnerability, RiskAcceptance,
            SecurityPolicy, Epss, Feedback, Audit];
}
