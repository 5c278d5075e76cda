using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class OutboxEmailConfiguration : IEntityTypeConfiguration<OutboxEmail>
{
    public void Configure(EntityTypeBuilder<OutboxEmail> builder)
    {
        builder.ToTable("email_outbox");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.To).HasMaxLength(256).IsRequired();
        builder.Property(e => e.Subject).HasMaxLength(256).IsRequired();
        builder.Property(e => e.HtmlBody).IsRequired();
        builder.HasIndex(e => e.CreatedAt);
    }
}
