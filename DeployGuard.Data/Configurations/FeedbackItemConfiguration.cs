using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class FeedbackItemConfiguration : IEntityTypeConfiguration<FeedbackItem>
{
    public void Configure(EntityTypeBuilder<FeedbackItem> builder)
    {
        builder.ToTable("feedback_items");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.ValueHash).HasMaxLength(64).IsRequired();
        builder.Property(i => i.HashKeyId).HasMaxLength(16);
        builder.HasIndex(i => i.HashKeyId).HasFilter("hash_key_id IS NULL").HasDatabaseName("ix_feedback_items_unkeyed");
        builder.Property(i => i.ValuePattern).HasMaxLength(255).IsRequired();
        builder.Property(i => i.RuleId).HasMaxLength(100);
        builder.HasOne(i => i.Submission).WithMany(s => s.Items).HasForeignKey(i => i.SubmissionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(i => i.ValuePattern);
        builder.HasIndex(i => i.SubmissionId);
    }
}
