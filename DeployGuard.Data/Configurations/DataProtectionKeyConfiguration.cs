using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

/// <summary>
/// Data Protection's key ring (Microsoft.AspNetCore.DataProtection.EntityFrameworkCore's entity) on the table the app's own
/// repository used before, so the keys of an existing installation keep working. created_at stays, filled by the database.
/// </summary>
internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> builder)
    {
        builder.ToTable("data_protection_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).UseIdentityByDefaultColumn();
        builder.Property(k => k.FriendlyName).HasMaxLength(256).IsRequired();
        builder.Property(k => k.Xml).IsRequired();
        builder.Property<DateTimeOffset>("CreatedAt").HasDefaultValueSql("now()");
    }
}
