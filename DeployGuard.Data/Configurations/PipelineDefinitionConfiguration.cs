using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class PipelineDefinitionConfiguration : IEntityTypeConfiguration<PipelineDefinition>
{
    public void Configure(EntityTypeBuilder<PipelineDefinition> builder)
    {
        builder.ToTable("pipeline_definitions");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Yaml).IsRequired();
        builder.Property(p => p.Stages).HasColumnType("jsonb").IsRequired();
        builder.Property(p => p.UpdatedById).HasMaxLength(FieldLengths.UserId);
        builder.Property(p => p.UpdatedByName).HasMaxLength(FieldLengths.PersonName);
        builder.HasOne(p => p.Service).WithMany().HasForeignKey(p => p.ServiceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(p => p.ServiceId).IsUnique();
    }
}
