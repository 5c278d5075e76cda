using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class KnownFalsePositivePatternConfiguration : IEntityTypeConfiguration<KnownFalsePositivePattern>
{
    public void Configure(EntityTypeBuilder<KnownFalsePositivePattern> builder)
    {
        builder.ToTable("known_false_positive_patterns", t =>
            t.HasCheckConstraint("ck_known_false_positive_patterns_confidence", "confidence >= 0 AND confidence <= 1"));
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Pattern).HasMaxLength(255).IsRequired();
        builder.Property(p => p.Reason).HasMaxLength(500).IsRequired();
        builder.HasIndex(p => p.Pattern).IsUnique();
    }
}
