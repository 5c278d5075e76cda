using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class SecurityGateDecisionConfiguration : IEntityTypeConfiguration<SecurityGateDecision>
{
    public void Configure(EntityTypeBuilder<SecurityGateDecision> builder)
    {
        builder.ToTable("security_gate_decisions");
        builder.HasKey(g => g.Id);
        builder.Property(g => g.CommitSha).HasMaxLength(FieldLengths.CommitSha);
        builder.Property(g => g.Decision).HasConversion<string>().HasMaxLength(10);
        builder.Property(g => g.Policy).HasConversion<string>().HasMaxLength(20);
        builder.Property(g => g.Reason).HasMaxLength(FieldLengths.Reason).IsRequired();
        builder.Property(g => g.Evaluation).HasColumnType("jsonb");
        builder.Property(g => g.OverriddenById).HasMaxLength(FieldLengths.UserId);
        builder.Property(g => g.OverriddenByName).HasMaxLength(FieldLengths.PersonName);
        builder.Property(g => g.OverrideReason).HasMaxLength(FieldLengths.Reason);
        builder.HasOne<SecurityPolicyVersion>().WithMany().HasForeignKey(g => g.PolicyVersionId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Deployment>().WithMany().HasForeignKey(g => g.DeploymentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<DeploymentStage>().WithMany().HasForeignKey(g => g.StageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(g => g.DeploymentId);
        builder.HasIndex(g => g.StageId);
        builder.HasIndex(g => g.CommitSha);
    }
}
