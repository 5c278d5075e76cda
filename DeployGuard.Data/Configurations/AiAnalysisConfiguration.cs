using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class AiAnalysisConfiguration : IEntityTypeConfiguration<AiAnalysis>
{
    public void Configure(EntityTypeBuilder<AiAnalysis> builder)
    {
        builder.ToTable("ai_analyses");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.AgentType).HasMaxLength(50).IsRequired();
        builder.Property(a => a.InputData).HasColumnType("json");
        builder.Property(a => a.OutputData).HasColumnType("json");
        builder.HasOne<Scan>().WithMany().HasForeignKey(a => a.ScanId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AgentExecution>().WithMany().HasForeignKey(a => a.AgentExecutionId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(a => a.ScanId);
        builder.HasIndex(a => a.AgentType);
    }
}
