using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class SecretFindingConfiguration : IEntityTypeConfiguration<SecretFinding>
{
    public void Configure(EntityTypeBuilder<SecretFinding> builder)
    {
        builder.ToTable("secret_findings");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.RuleId).HasMaxLength(100).IsRequired();
        builder.Property(f => f.SecretType).HasMaxLength(50).IsRequired();
        builder.Property(f => f.Severity).HasMaxLength(20).IsRequired();
        builder.Property(f => f.SecretValueHash).HasMaxLength(64).IsRequired();
        builder.Property(f => f.HashKeyId).HasMaxLength(16);
        // Finds what the start-up re-keying still has to do without reading every row.
        builder.HasIndex(f => f.HashKeyId).HasFilter("hash_key_id IS NULL").HasDatabaseName("ix_secret_findings_unkeyed");
        builder.Property(f => f.RedactedPreview).HasMaxLength(100).IsRequired();
        builder.Property(f => f.ValuePattern).HasMaxLength(255).IsRequired();
        builder.Property(f => f.FilePath).HasMaxLength(FieldLengths.Url).IsRequired();
        builder.Property(f => f.CommitSha).HasMaxLength(64);
        builder.Property(f => f.Author).HasMaxLength(256);
        builder.Property(f => f.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(f => f.TriageReason).HasMaxLength(500);
        builder.Property(f => f.TriagedBy).HasMaxLength(256);
        builder.Property(f => f.SuppressionReason).HasMaxLength(500);
        builder.Property(f => f.ScopeKey).HasMaxLength(600).IsRequired();
        builder.Property(f => f.Identity).HasMaxLength(32).IsFixedLength().IsRequired();
        builder.HasOne(f => f.Job).WithMany(j => j.Findings).HasForeignKey(f => f.JobId).OnDelete(DeleteBehavior.Cascade);
        // One row per secret and file in a repository, however many scans saw it.
        builder.HasIndex(f => new { f.ScopeKey, f.Identity }).IsUnique();
        builder.HasIndex(f => new { f.ScopeKey, f.Status, f.LastJobId });
        builder.HasIndex(f => new { f.JobId, f.Status });
        builder.HasIndex(f => f.SecretValueHash);
        builder.HasIndex(f => new { f.RuleId, f.Status });
        builder.HasIndex(f => f.CreatedAt);
    }
}
