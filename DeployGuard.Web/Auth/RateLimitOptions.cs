using System.ComponentModel.DataAnnotations;

namespace DeployGuard.Web.Auth;

/// <summary><c>Auth:RateLimits</c>: how much one address, account or API client may ask for (each at least 1, checked on start).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Auth:RateLimits";

    /// <summary>Failed sign-ins (password, two-factor or recovery code) from one client address per minute.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "{0} must be at least 1.")]
    public int FailedSignInsPerAddressPerMinute { get; set; } = 10;

    /// <summary>
    /// Failed sign-ins for one email address (known or not) per <see cref="AccountWindowMinutes"/>; the same as the
    /// lockout threshold, so that an unknown address is throttled exactly when a known one would be locked.
    /// </summary>
    [Range(1, int.MaxValue, ErrorMessage = "{0} must be at least 1.")]
    public int FailedSignInsPerAccount { get; set; } = 5;

    [Range(1, int.MaxValue, ErrorMessage = "{0} must be at least 1.")]
    public int AccountWindowMinutes { get; set; } = 15;

    /// <summary>POSTs of the account forms (sign-in, register, password reset, resend confirmation) from one address per minute.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "{0} must be at least 1.")]
    public int AccountFormPostsPerAddressPerMinute { get; set; } = 30;

    /// <summary>API and hub requests per minute for one token or signed-in user (a burst of this size, refilled evenly).</summary>
    [Range(1, int.MaxValue, ErrorMessage = "{0} must be at least 1.")]
    public int ApiRequestsPerMinute { get; set; } = 120;

    /// <summary>API requests per minute for one address without credentials (the CLI's anonymous feedback has its own limit).</summary>
    [Range(1, int.MaxValue, ErrorMessage = "{0} must be at least 1.")]
    public int AnonymousApiRequestsPerMinute { get; set; } = 60;
}
