using DeployGuard.Data.Services.Email;
using DeployGuard.Data.Services.Sessions;
using DeployGuard.Data.Services.Tokens;
using DeployGuard.Data.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Data.Services.Users;

public static class AccountsSetup
{
    /// <summary>People: roles, user administration, who may register and invitations, preferences, server-side sessions, API tokens, the mail outbox.</summary>
    public static IServiceCollection AddAccountServices(this IServiceCollection services)
    {
        services.AddSingleton<RoleSeeder>();
        services.AddSingleton<UserAdminService>();
        services.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        services.AddSingleton<RegistrationService>();
        services.AddSingleton<InvitationService>();
        services.AddSingleton<PreferencesService>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<OutboxService>();
        return services;
    }
}
