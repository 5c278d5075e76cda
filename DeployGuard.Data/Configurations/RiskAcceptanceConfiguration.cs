using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class RiskAcceptanceConfiguration : IEntityTypeConfiguration<RiskAcceptance>
{
    public void Configure(EntityTypeBuilder<RiskAcceptance> builder)
    {
        builder.ToTable("risk_acceptances", t => t.HasCheckConstraint("ck_risk_acceptances_one_finding",
            "(vulnerability_finding_id IS NULL) <> (secret_finding_id IS NULL)"));
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Reason).HasMaxLength(FieldLengths.Reason).IsRequired();
        builder.Property(r => r.RequestedById).HasMaxLength(FieldLengths.UserId);
        builder.Property(r => r.RequestedByName).HasMaxLength(FieldLengths.PersonName);
        builder.Property(r => r.ApprovedById).HasMaxLength(FieldLengths.UserId);
        builder.Property(r => r.ApprovedByName).HasMaxLength(FieldLengths.PersonName).IsRequired();
        builder.Property(r => r.EndReason).HasMaxLength(20);
        builder.HasOne<VulnerabilityFinding>().WithMany().HasForeignKey(r => r.VulnerabilityFindingId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SecretFinding>().WithMany().HasForeignKey(r => r.SecretFindingId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => r.VulnerabilityFindingId);
        builder.HasIndex(r => r.SecretFindingId);
        // The expiry sweep: acceptances still in force, by when they end.
        builder.HasIndex(r => r.ExpiresAt).HasFilter("ended_at IS NULL");
    }
}
