using System.Diagnostics;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Web;
using DeployGuard.Web.Audit;
using DeployGuard.Web.Auth;
using DeployGuard.Web.Scanning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DeployGuard.Tests.Web.Auth;

/// <summary>
/// The keys replicas share (docs/security.md, "Keys at rest"; deploy/k8s): made with the documented openssl commands, they
/// load as the app loads its own; made by the app, they are private files (0600 in a 0700 folder).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KeyFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dg-keys-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Keys_MadeWithTheDocumentedOpensslCommands_LoadAndWork()
    {
        await ShAsync("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out audit-signing-key.pem");
        await ShAsync("openssl rand -base64 32 > secret-hash.key");
        await ShAsync("openssl req -x509 -newkey rsa:3072 -nodes -days 18250 -subj '/CN=DeployGuard Data Protection key encryption' -keyout dp.key -out dp.crt");
        await ShAsync("openssl pkcs12 -export -inkey dp.key -in dp.crt -out data-protection.pfx -passout pass:");

        using var signing = new AuditSigningKey(Options.Create(new AuditCheckpointOptions { SigningKeyPath = Path.Combine(_dir, "audit-signing-key.pem") }),
            new AppDirectories(new ConfigurationBuilder().Build()), NullLogger<AuditSigningKey>.Instance);
        var payload = "payload"u8.ToArray();
        using var publicKey = signing.PublicKey();
        using var certificate = DataProtectionSetup.LoadOrCreate(Path.Combine(_dir, "data-protection.pfx"), null);

        Assert.True(publicKey.VerifyData(payload, signing.Sign(payload), System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(CheckpointFormat.KeyId(publicKey), signing.KeyId);
        Assert.Equal(32, SecretHashSetup.LoadOrCreate(Path.Combine(_dir, "secret-hash.key")).Length);
        Assert.True(certificate.HasPrivateKey);
    }

    [Fact]
    public void Keys_CreatedByTheApp_AreReadableByItsUserOnly()
    {
        var keys = Path.Combine(_dir, "keys");

        SecretHashSetup.LoadOrCreate(Path.Combine(keys, "secret-hash.key"));
        DataProtectionSetup.LoadOrCreate(Path.Combine(keys, "data-protection.pfx"), null).Dispose();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(keys));
        Assert.All(Directory.GetFiles(keys), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    private async Task ShAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("sh", ["-c", command])
        {
            WorkingDirectory = _dir, RedirectStandardError = true, RedirectStandardOutput = true,
        })!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
    }
}
