using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class EpssScoreConfiguration : IEntityTypeConfiguration<EpssScore>
{
    public void Configure(EntityTypeBuilder<EpssScore> builder)
    {
        builder.ToTable("epss_scores");
        builder.HasKey(e => e.Cve);
        builder.Property(e => e.Cve).HasMaxLength(30);
        builder.Property(e => e.ModelVersion).HasMaxLength(50);
    }
}
