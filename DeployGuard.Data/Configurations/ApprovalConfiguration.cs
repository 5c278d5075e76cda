using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class ApprovalConfiguration : IEntityTypeConfiguration<Approval>
{
    public void Configure(EntityTypeBuilder<Approval> builder)
    {
        builder.ToTable("approvals");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.ApproverId).HasMaxLength(FieldLengths.UserId);
        builder.Property(a => a.ApproverName).HasMaxLength(FieldLengths.PersonName);
        builder.Property(a => a.Decision).HasConversion<string>().HasMaxLength(20);
        builder.Property(a => a.Notes).HasMaxLength(FieldLengths.Reason);
        builder.HasOne<Deployment>().WithMany().HasForeignKey(a => a.DeploymentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<DeploymentStage>().WithMany().HasForeignKey(a => a.StageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(a => a.ApproverId).OnDelete(DeleteBehavior.SetNull);
        // A second decision by the same person on the same stage is refused by the database too.
        builder.HasIndex(a => new { a.StageId, a.ApproverId }).IsUnique();
        builder.HasIndex(a => a.DeploymentId);
        builder.HasIndex(a => a.ApproverId);
    }
}
