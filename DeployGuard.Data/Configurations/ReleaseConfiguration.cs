using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class ReleaseConfiguration : IEntityTypeConfiguration<Release>
{
    public void Configure(EntityTypeBuilder<Release> builder)
    {
        builder.ToTable("releases");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Version).HasMaxLength(FieldLengths.Version).IsRequired();
        // Byte order, not the database locale's: the key is built for ordinal comparison.
        builder.Property(r => r.VersionSortKey).HasMaxLength(400).IsRequired().UseCollation("C");
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.CommitSha).HasMaxLength(FieldLengths.CommitSha);
        builder.Property(r => r.Branch).HasMaxLength(FieldLengths.Branch);
        builder.Property(r => r.CommitAuthor).HasMaxLength(FieldLengths.PersonName);
        builder.Property(r => r.CommitMessage).HasMaxLength(FieldLengths.Description);
        builder.Property(r => r.CreatedById).HasMaxLength(FieldLengths.UserId);
        builder.Property(r => r.CreatedByName).HasMaxLength(FieldLengths.PersonName);
        builder.HasOne(r => r.Service).WithMany().HasForeignKey(r => r.ServiceId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => new { r.ServiceId, r.Version }).IsUnique();
        builder.HasIndex(r => new { r.ServiceId, r.VersionSortKey });
        builder.HasIndex(r => r.Status);
        builder.HasIndex(r => r.CommitSha);
        builder.HasIndex(r => r.CreatedAt);
    }
}
