using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class FindingScopeConfiguration : IEntityTypeConfiguration<FindingScope>
{
    public void Configure(EntityTypeBuilder<FindingScope> builder)
    {
        builder.ToTable("finding_scopes");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).UseIdentityAlwaysColumn();
        builder.Property(s => s.ScopeKey).HasMaxLength(600).IsRequired();
        builder.Property(s => s.Scanner).HasMaxLength(100).IsRequired();
        builder.Property(s => s.Target).HasMaxLength(FieldLengths.Url).IsRequired();
        builder.HasOne<Service>().WithMany().HasForeignKey(s => s.ServiceId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(s => new { s.ScopeKey, s.Scanner }).IsUnique();
        builder.HasIndex(s => s.ServiceId);
    }
}
