namespace DeployGuard.Data.Entities;

/// <summary>Seed 04 user_preferences.</summary>
public class UserPreferences
{
    public string UserId { get; set; } = "";
    public ThemePreference Theme { get; set; } = ThemePreference.System;
    public bool EmailNotifications { get; set; } = true;
    public bool DeploymentSuccessNotifications { get; set; } = true;
    public bool DeploymentFailureNotifications { get; set; } = true;
    public bool ApprovalRequestNotifications { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public enum ThemePreference
{
    System,
    Light,
    Dark,
}
