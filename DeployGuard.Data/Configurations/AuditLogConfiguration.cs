using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class AuditLogConfiguration : IEntityTypeConfiguration<AuditLog>
{
    public void Configure(EntityTypeBuilder<AuditLog> builder)
    {
        builder.ToTable("audit_logs");
        builder.HasKey(a => a.Id);
        // The insert trigger numbers the row (previous id + 1) under the chain lock, so id order is chain
        // order without gaps, and fills prev_hash and hash; EF reads all back.
        builder.Property(a => a.Id).HasDefaultValueSql("0").ValueGeneratedOnAdd()
            .Metadata.SetValueGenerationStrategy(Npgsql.EntityFrameworkCore.PostgreSQL.Metadata.NpgsqlValueGenerationStrategy.None);
        // The trigger stamps the time under the chain lock (database clock), so time order equals id order.
        builder.Property(a => a.CreatedAt).HasDefaultValueSql("now()").ValueGeneratedOnAdd();
        builder.Property(a => a.UserId).HasMaxLength(450);
        builder.Property(a => a.UserName).HasMaxLength(256);
        builder.Property(a => a.Action).HasMaxLength(100).IsRequired();
        builder.Property(a => a.ResourceType).HasMaxLength(50).IsRequired();
        builder.Property(a => a.ResourceId).HasMaxLength(100);
        builder.Property(a => a.Details).HasColumnType("jsonb").IsRequired();
        builder.Property(a => a.IpAddress).HasMaxLength(64);
        builder.Property(a => a.UserAgent).HasMaxLength(512);
        builder.Property(a => a.PrevHash).HasMaxLength(64).IsRequired().HasDefaultValueSql("''").ValueGeneratedOnAdd();
        builder.Property(a => a.Hash).HasMaxLength(64).IsRequired().HasDefaultValueSql("''").ValueGeneratedOnAdd();
        // No foreign key to users on purpose: the trail must outlive deleted accounts.
        builder.HasIndex(a => new { a.Action, a.Id });
        builder.HasIndex(a => new { a.UserId, a.Id });
        builder.HasIndex(a => new { a.ResourceType, a.ResourceId, a.Id });
        builder.HasIndex(a => a.CreatedAt);
    }
}
