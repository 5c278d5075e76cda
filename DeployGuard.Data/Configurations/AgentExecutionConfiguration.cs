using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class AgentExecutionConfiguration : IEntityTypeConfiguration<AgentExecution>
{
    public void Configure(EntityTypeBuilder<AgentExecution> builder)
    {
        builder.ToTable("agent_executions");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.AgentName).HasMaxLength(50).IsRequired();
        builder.Property(a => a.AgentVersion).HasMaxLength(20).IsRequired();
        builder.Property(a => a.LlmModel).HasMaxLength(FieldLengths.Name).IsRequired();
        builder.Property(a => a.LlmProvider).HasMaxLength(50);
        builder.Property(a => a.LlmCostUsd).HasPrecision(12, 6);
        builder.Property(a => a.Output).HasColumnType("json");
        builder.Property(a => a.ErrorMessage).HasMaxLength(FieldLengths.Reason);
        builder.HasOne<Deployment>().WithMany().HasForeignKey(a => a.DeploymentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Scan>().WithMany().HasForeignKey(a => a.ScanId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(a => a.DeploymentId);
        builder.HasIndex(a => a.ScanId);
        builder.HasIndex(a => new { a.AgentName, a.StartedAt });
    }
}
