using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class FreezeWindowConfiguration : IEntityTypeConfiguration<FreezeWindow>
{
    public void Configure(EntityTypeBuilder<FreezeWindow> builder)
    {
        builder.ToTable("environment_freeze_windows", t => t.HasCheckConstraint("ck_environment_freeze_windows_range", "ends_at > starts_at"));
        builder.HasKey(f => f.Id);
        builder.Property(f => f.Reason).HasMaxLength(FieldLengths.Reason).IsRequired();
        builder.Property(f => f.CreatedByName).HasMaxLength(FieldLengths.PersonName);
        builder.HasOne<DeploymentEnvironment>().WithMany().HasForeignKey(f => f.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(f => new { f.EnvironmentId, f.EndsAt });
    }
}
