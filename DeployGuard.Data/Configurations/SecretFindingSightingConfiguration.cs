using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class SecretFindingSightingConfiguration : IEntityTypeConfiguration<SecretFindingSighting>
{
    public void Configure(EntityTypeBuilder<SecretFindingSighting> builder)
    {
        builder.ToTable("secret_finding_sightings");
        builder.HasKey(s => new { s.JobId, s.FindingId });
        builder.Property(s => s.CommitSha).HasMaxLength(FieldLengths.CommitSha);
        builder.HasOne<ScanJob>().WithMany().HasForeignKey(s => s.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SecretFinding>().WithMany().HasForeignKey(s => s.FindingId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => s.FindingId);
    }
}
