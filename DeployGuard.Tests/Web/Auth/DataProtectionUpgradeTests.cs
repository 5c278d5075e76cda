using System.Collections.Concurrent;
using System.Net;
using System.Xml.Linq;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DeployGuard.Tests.Web.Auth;

/// <summary>
/// An installation from before the switch to Microsoft.AspNetCore.DataProtection.EntityFrameworkCore: its key ring was
/// written, unencrypted, by the app's own repository into data_protection_keys. After the upgrade the same cookie still signs
/// the user in, a reset token issued before still verifies, new keys are encrypted with the certificate outside the database,
/// and "No XML encryptor configured" is gone.
/// </summary>
public sealed class DataProtectionUpgradeTests
{
    [Fact]
    public async Task Upgrade_KeyRingOfThePreviousVersion_CookiesAndTokensStayValidAndNewKeysAreEncrypted()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("dp_upgrade");
        var cookies = new CookieContainer();
        ApplicationUser user;
        string resetToken;
        await using (var before = new UpgradeAppFactory(connectionString, legacy: true))
        {
            await before.InitializeAsync();
            user = await TestUsers.CreateAsync(before.Services, Roles.Viewer);
            using var client = before.CreateDefaultClient(new CookieContainerHandler(cookies));
            var login = await client.PostLoginAsync(user.Email!, TestUsers.Password);
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/preferences")).StatusCode);
            await using var scope = before.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            resetToken = await users.GeneratePasswordResetTokenAsync((await users.FindByIdAsync(user.Id))!);
            Assert.Contains(before.Logs, l => l.Contains("No XML encryptor configured", StringComparison.Ordinal));
            await ((IAsyncLifetime)before).DisposeAsync();
        }

        var legacyKeys = await Sql.ListAsync<string>(connectionString, "SELECT xml FROM data_protection_keys ORDER BY id");
        Assert.NotEmpty(legacyKeys);
        Assert.All(legacyKeys, xml => Assert.DoesNotContain("encryptedSecret", xml));

        await using var after = new UpgradeAppFactory(connectionString, legacy: false);
        await after.InitializeAsync();
        using (var client = after.CreateDefaultClient(new CookieContainerHandler(cookies)))
        {
            var page = await client.GetAsync("/account/preferences");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        await using (var scope = after.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True(await users.VerifyUserTokenAsync((await users.FindByIdAsync(user.Id))!, TokenOptions.DefaultProvider,
                UserManager<ApplicationUser>.ResetPasswordTokenPurpose, resetToken));
        }

        var created = after.Services.GetRequiredService<IKeyManager>().CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(90));
        var keys = await Sql.ListAsync<string>(connectionString, "SELECT xml FROM data_protection_keys ORDER BY id");
        var newest = XElement.Parse(keys[^1]);
        Assert.Equal(legacyKeys.Count + 1, keys.Count);
        Assert.NotNull(newest.Descendants().FirstOrDefault(e => e.Name.LocalName == "encryptedSecret"));
        Assert.Contains("X509Certificate", keys[^1]);
        Assert.DoesNotContain(after.Logs, l => l.Contains("No XML encryptor configured", StringComparison.Ordinal));
        // The encrypted key is still usable after a restart of the key ring from the database (decrypted with the certificate).
        var protector = Microsoft.AspNetCore.DataProtection.DataProtectionCommonExtensions.CreateProtector(
            after.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>(), "upgrade-test");
        Assert.Equal("payload", Microsoft.AspNetCore.DataProtection.DataProtectionCommonExtensions.Unprotect(protector,
            Microsoft.AspNetCore.DataProtection.DataProtectionCommonExtensions.Protect(protector, "payload")));

        // Another instance with the same certificate decrypts the new key from the database; one without it cannot.
        await using (var replica = new UpgradeAppFactory(connectionString, legacy: false) { DataDirectory = after.DataDirectory })
        {
            await replica.InitializeAsync();
            Assert.NotNull(replica.Services.GetRequiredService<IKeyManager>().GetAllKeys().Single(k => k.KeyId == created.KeyId).Descriptor);
        }

        await using (var stranger = new UpgradeAppFactory(connectionString, legacy: false))
        {
            await stranger.InitializeAsync();
            var key = stranger.Services.GetRequiredService<IKeyManager>().GetAllKeys().Single(k => k.KeyId == created.KeyId);
            Assert.ThrowsAny<Exception>(() => key.Descriptor);
            await ((IAsyncLifetime)stranger).DisposeAsync();
        }

        await ((IAsyncLifetime)after).DisposeAsync();
    }

    /// <summary>The app on a given database; with <c>legacy</c> its key ring is stored as the previous version stored it.</summary>
    private sealed class UpgradeAppFactory(string connectionString, bool legacy) : WebAppFactory
    {
        public ConcurrentQueue<string> Logs { get; } = new();

        public override Task InitializeAsync()
        {
            ConnectionString = connectionString;
            return Task.CompletedTask;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(new ListLoggerProvider(Logs)));
            if (legacy)
            {
                builder.ConfigureTestServices(services => services.Configure<KeyManagementOptions>(o =>
                {
                    o.XmlRepository = new PreviousPostgresXmlRepository(connectionString);
                    o.XmlEncryptor = null;
                }));
            }
        }
    }

    /// <summary>What DeployGuard.Web/Auth/PostgresXmlRepository did before the switch (same table, same columns, no encryption).</summary>
    private sealed class PreviousPostgresXmlRepository(string connectionString) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT xml FROM data_protection_keys ORDER BY id", connection);
            using var reader = command.ExecuteReader();
            var elements = new List<XElement>();
            while (reader.Read())
            {
                elements.Add(XElement.Parse(reader.GetString(0)));
            }

            return elements;
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand("INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@f, @x, now())", connection);
            command.Parameters.AddWithValue("f", friendlyName);
            command.Parameters.AddWithValue("x", element.ToString(SaveOptions.DisableFormatting));
            command.ExecuteNonQuery();
        }
    }

    private sealed class ListLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(sink);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ConcurrentQueue<string> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    sink.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
