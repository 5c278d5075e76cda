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
        // "C" like vulnerability_findings.cve_id, which it is joined with (VulnerabilityFindingConfiguration).
        builder.Property(e => e.Cve).HasMaxLength(30).UseCollation("C");
        builder.Property(e => e.ModelVersion).HasMaxLength(50);
    }
}
