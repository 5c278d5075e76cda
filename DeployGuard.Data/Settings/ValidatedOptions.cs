using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeployGuard.Data.Settings;

/// <summary>
/// The one way settings reach code: an options class per configuration section, bound and checked with its
/// DataAnnotations attributes (plus <see cref="IValidatableObject"/> for rules across fields) when the app starts, so a
/// bad value stops start-up with a message naming its key (<c>Scanning:Workers</c>) instead of being clamped or ignored.
/// </summary>
public static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/> and validates it on start (the server's start, and
    /// before a command runs). Consumers take <c>IOptions&lt;T&gt;</c>.
    /// </summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(section));
        return services.AddOptions<T>()
            .Configure<IConfiguration>((options, configuration) => Bind(configuration, section, options))
            .ValidateOnStart();
    }

    /// <summary>For settings needed before the container exists (the database): bound and validated the same way, now.</summary>
    public static T GetValidated<T>(this IConfiguration configuration, string section) where T : class, new()
    {
        var options = new T();
        Bind(configuration, section, options);
        var result = new SettingsValidator<T>(section).Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(section, typeof(T), result.Failures) : options;
    }

    /// <summary>Every failure of a start-up that stopped on settings, one line each; null for any other exception.</summary>
    public static IReadOnlyList<string>? Failures(Exception exception) => exception switch
    {
        OptionsValidationException e => e.Failures.ToList(),
        AggregateException { InnerExceptions: var inner } when inner.All(i => Failures(i) is not null) => inner.SelectMany(i => Failures(i)!).ToList(),
        _ => null,
    };

    private static void Bind<T>(IConfiguration configuration, string section, T options) where T : class
    {
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value at 'Scanning:Workers' to type 'System.Int32'." names the key already.
            throw new OptionsValidationException(section, typeof(T), [e.Message]);
        }
    }
}

/// <summary>Runs the options class's DataAnnotations with each property shown by its configuration key.</summary>
internal sealed class SettingsValidator<T>(string section) : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var failures = new List<string>();
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead))
        {
            var results = new List<ValidationResult>();
            var context = new ValidationContext(options) { MemberName = property.Name, DisplayName = $"{section}:{property.Name}" };
            if (!Validator.TryValidateProperty(property.GetValue(options), context, results))
            {
                failures.AddRange(results.Select(r => r.ErrorMessage ?? $"{section}:{property.Name} is not valid."));
            }
        }

        // Rules across fields only when each field is fine on its own (their messages name their keys themselves).
        if (failures.Count == 0 && options is IValidatableObject whole)
        {
            failures.AddRange(whole.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage ?? $"{section} is not valid."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
