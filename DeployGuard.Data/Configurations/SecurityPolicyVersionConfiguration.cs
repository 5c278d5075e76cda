using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class SecurityPolicyVersionConfiguration : IEntityTypeConfiguration<SecurityPolicyVersion>
{
    public void Configure(EntityTypeBuilder<SecurityPolicyVersion> builder)
    {
        builder.ToTable("security_policy_versions");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Conditions).HasColumnType("jsonb").IsRequired();
        builder.Property(p => p.Note).HasMaxLength(FieldLengths.Description);
        builder.Property(p => p.CreatedById).HasMaxLength(FieldLengths.UserId);
        builder.Property(p => p.CreatedByName).HasMaxLength(FieldLengths.PersonName);
        builder.HasOne<DeploymentEnvironment>().WithMany().HasForeignKey(p => p.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(p => new { p.EnvironmentId, p.Version }).IsUnique();
    }
}
