using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> builder)
    {
        builder.ToTable("teams");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Name).HasMaxLength(FieldLengths.Name).IsRequired();
        builder.Property(t => t.Description).HasMaxLength(FieldLengths.Description);
        builder.Property(t => t.SlackChannel).HasMaxLength(FieldLengths.SlackChannel);
        builder.HasIndex(t => t.Name).IsUnique();
        builder.HasIndex(t => t.CreatedAt);
    }
}
