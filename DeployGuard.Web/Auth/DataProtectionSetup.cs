using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DeployGuard.Data;
using DeployGuard.Web.Isolation;
using Microsoft.AspNetCore.DataProtection;

namespace DeployGuard.Web.Auth;

/// <summary>
/// Data Protection's key ring (auth cookies, reset and confirmation tokens, encrypted scan tokens) in PostgreSQL through
/// Microsoft.AspNetCore.DataProtection.EntityFrameworkCore, so every instance reads what another wrote; each key encrypted at
/// rest with a certificate that is not in the database (default <c>keys/data-protection.pfx</c> in the data folder, 0600,
/// created on first start; or <c>DataProtection:CertificatePath</c> + <c>DataProtection:CertificatePassword</c>). A copy of
/// the database alone cannot forge cookies. Keys written before encryption (plain XML) stay readable.
/// </summary>
internal static class DataProtectionSetup
{
    public static void AddKeyRing(this WebApplicationBuilder builder)
    {
        var path = CertificatePath(builder.Configuration);
        var certificate = LoadOrCreate(path, builder.Configuration["DataProtection:CertificatePassword"]);
        builder.Services.AddDataProtection()
            .SetApplicationName("DeployGuard")
            .PersistKeysToDbContext<ApplicationDbContext>()
            .ProtectKeysWithCertificate(certificate)
            // Decryption looks for the certificate in the machine's stores unless it is given here (none on Linux).
            .UnprotectKeysWithAnyCertificate(certificate);
        builder.Services.AddProtectedPath(_ => path, "the Data Protection key-encryption certificate");
    }

    public static string CertificatePath(IConfiguration configuration) =>
        configuration["DataProtection:CertificatePath"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(new AppDirectories(configuration).KeysDirectory, "data-protection.pfx");

    internal static X509Certificate2 LoadOrCreate(string path, string? password)
    {
        if (!File.Exists(path))
        {
            using var rsa = RSA.Create(3072);
            var request = new CertificateRequest("CN=DeployGuard Data Protection key encryption", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, critical: true));
            var now = DateTimeOffset.UtcNow;
            // Data Protection does not check validity dates; a long one spares anyone a surprise.
            using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(50));
            try
            {
                AppDirectories.WritePrivateFile(path, created.Export(X509ContentType.Pfx, password));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another instance on the same folder created it first: use theirs.
            }
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
    }
}
