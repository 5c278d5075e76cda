using System.Threading.RateLimiting;
using DeployGuard.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace DeployGuard.Web.Auth;

/// <summary>
/// Counts failed sign-ins with the framework's rate limiters (System.Threading.RateLimiting, the same limiters the
/// ASP.NET Core middleware uses), per client address and per email address. The middleware cannot do this part: it
/// meters every request, and only failures should count. A sign-in first asks <see cref="Check"/> (no permit taken),
/// and each failure then takes a permit with <see cref="RecordFailure"/>.
/// Also keeps the dummy password hash that makes a sign-in for an unknown email cost as much as one for a known email.
/// </summary>
internal sealed class SignInThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perAddress;
    private readonly PartitionedRateLimiter<string> _perAccount;
    private readonly IPasswordHasher<ApplicationUser> _hasher;
    private readonly ApplicationUser _nobody = new() { Id = "nobody", UserName = "nobody" };
    private readonly string _dummyHash;

    public SignInThrottle(IOptions<RateLimitOptions> options, IOptions<PasswordHasherOptions> hashing)
    {
        var o = options.Value;
        // Identity's hasher is scoped; the same algorithm with the same (configured) iteration count.
        _hasher = new PasswordHasher<ApplicationUser>(hashing);
        // Hashed once with the configured iteration count: verifying it costs what verifying a real password costs.
        _dummyHash = _hasher.HashPassword(_nobody, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)));
        _perAddress = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = o.FailedSignInsPerAddressPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
        }));
        _perAccount = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = o.FailedSignInsPerAccount, Window = TimeSpan.FromMinutes(o.AccountWindowMinutes), QueueLimit = 0,
        }));
    }

    public sealed record Verdict(bool Allowed, TimeSpan RetryAfter, bool ForAccount);

    /// <summary>Whether another attempt may be tried now (takes no permit).</summary>
    public Verdict Check(string? address, string? email)
    {
        var byAddress = Peek(_perAddress, AddressKey(address));
        if (!byAddress.Allowed)
        {
            return byAddress;
        }

        return email is null ? byAddress : Peek(_perAccount, AccountKey(email)) with { ForAccount = true };
    }

    /// <summary>Counts a failure; says whether this failure used up the account's allowance (the caller answers as for a lockout).</summary>
    public bool RecordFailure(string? address, string? email)
    {
        using var _ = _perAddress.AttemptAcquire(AddressKey(address));
        if (email is null)
        {
            return false;
        }

        using var lease = _perAccount.AttemptAcquire(AccountKey(email));
        return !lease.IsAcquired || !Peek(_perAccount, AccountKey(email)).Allowed;
    }

    /// <summary>Spends the time of a password verification for an account that does not exist.</summary>
    public void VerifyDummyPassword(string password) => _hasher.VerifyHashedPassword(_nobody, _dummyHash, password);

    public void Dispose()
    {
        _perAddress.Dispose();
        _perAccount.Dispose();
    }

    private static Verdict Peek(PartitionedRateLimiter<string> limiter, string key)
    {
        // Asking for zero permits reports whether any are left, and when the window reopens.
        using var lease = limiter.AttemptAcquire(key, 0);
        var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
        return new Verdict(lease.IsAcquired, retry, false);
    }

    private static string AddressKey(string? address) => address ?? "unknown";

    private static string AccountKey(string email) => email.Trim().ToUpperInvariant();
}
