using System.Xml.Linq;
using DeployGuard.Data;
using DeployGuard.Data.Entities;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Web.Auth;

/// <summary>
/// Data Protection's key ring in PostgreSQL, so every app instance can read cookies and secrets written by
/// another. (Microsoft.AspNetCore.DataProtection.EntityFrameworkCore is not on our feed.)
/// </summary>
internal sealed class PostgresXmlRepository(IDbContextFactory<ApplicationDbContext> contextFactory, TimeProvider clock) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = contextFactory.CreateDbContext();
        return db.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).ToList().Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var db = contextFactory.CreateDbContext();
        db.DataProtectionKeys.Add(new DataProtectionKey
        {
            FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting), CreatedAt = clock.GetUtcNow(),
        });
        db.SaveChanges();
    }
}
