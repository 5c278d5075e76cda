namespace DeployGuard.Data.Services.Audit;

/// <summary>The audit vocabulary: action names and resource types.</summary>
public static class AuditActions
{
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
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string AccessDenied = "access_denied";
    public const string SessionRevoked = "session.revoked";

    public const string Created = "created";
    public const string Updated = "updated";
    public const string Deleted = "deleted";

    // Releases and deployments: combined with a resource type through For(), e.g. deployment.approved.
    public const string Queued = "queued";
    public const string Cancelled = "cancelled";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string RolledBack = "rolled_back";
    public const string Finished = "finished";
    public const string FreezeOverridden = "freeze_overridden";
    public const string PromotionOverridden = "promotion_overridden";
    public const string ExternalReported = "external_reported";
    public const string StageRecovered = "stage_recovered";
    public const string Blocked = "blocked";
    public const string Unblocked = "unblocked";
    public const string ProtectionUpdated = "protection_updated";
    public const string FreezeWindowAdded = "freeze_window_added";
    public const string FreezeWindowRemoved = "freeze_window_removed";

    public static string For(string resourceType, string verb) => $"{resourceType}.{verb}";
}

public static class ResourceTypes
{
    public const string User = "user";
    public const string Session = "session";
    public const string Team = "team";
    public const string Service = "service";
    public const string Environment = "environment";
    public const string Audit = "audit";
    public const string Scan = "scan";
    public const string Finding = "finding";
    public const string Release = "release";
    public const string Deployment = "deployment";
    public const string Pipeline = "pipeline";
    public const string Invitation = "invitation";
    public const string ApiToken = "api_token";
}
