namespace DeployGuard.Web.Auth;

/// <summary><c>Auth:RateLimits</c>: how much one address, account or API client may ask for.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Auth:RateLimits";

    /// <summary>Failed sign-ins (password, two-factor or recovery code) from one client address per minute.</summary>
    public int FailedSignInsPerAddressPerMinute { get; set; } = 10;

    /// <summary>
    /// Failed sign-ins for one email address (known or not) per <see cref="AccountWindowMinutes"/>; the same as the
    /// lockout threshold, so that an unknown address is throttled exactly when a known one would be locked.
    /// </summary>
    public int FailedSignInsPerAccount { get; set; } = 5;

    public int AccountWindowMinutes { get; set; } = 15;

    /// <summary>POSTs of the account forms (sign-in, register, password reset, resend confirmation) from one address per minute.</summary>
    public int AccountFormPostsPerAddressPerMinute { get; set; } = 30;

    /// <summary>API and hub requests per minute for one token or signed-in user (a burst of this size, refilled evenly).</summary>
    public int ApiRequestsPerMinute { get; set; } = 120;

    /// <summary>API requests per minute for one address without credentials (the CLI's anonymous feedback has its own limit).</summary>
    public int AnonymousApiRequestsPerMinute { get; set; } = 60;

    public string? Problem()
    {
        (string Key, int Value)[] all =
        [
            (nameof(FailedSignInsPerAddressPerMinute), FailedSignInsPerAddressPerMinute), (nameof(FailedSignInsPerAccount), FailedSignInsPerAccount),
            (nameof(AccountWindowMinutes), AccountWindowMinutes), (nameof(AccountFormPostsPerAddressPerMinute), AccountFormPostsPerAddressPerMinute),
            (nameof(ApiRequestsPerMinute), ApiRequestsPerMinute), (nameof(AnonymousApiRequestsPerMinute), AnonymousApiRequestsPerMinute),
        ];
        return all.FirstOrDefault(s => s.Value < 1) is { Key: not null } bad ? $"{Section}:{bad.Key} must be at least 1 (it is {bad.Value})." : null;
    }
}
