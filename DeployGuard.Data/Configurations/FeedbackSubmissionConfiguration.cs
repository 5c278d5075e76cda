using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class FeedbackSubmissionConfiguration : IEntityTypeConfiguration<FeedbackSubmission>
{
    public void Configure(EntityTypeBuilder<FeedbackSubmission> builder)
    {
        builder.ToTable("feedback_submissions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.ClientId).HasMaxLength(64).IsRequired();
        builder.Property(s => s.Source).HasMaxLength(20).IsRequired();
        builder.HasIndex(s => s.ReceivedAt);
    }
}
