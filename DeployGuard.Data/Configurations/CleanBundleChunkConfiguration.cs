using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class CleanBundleChunkConfiguration : IEntityTypeConfiguration<CleanBundleChunk>
{
    public void Configure(EntityTypeBuilder<CleanBundleChunk> builder)
    {
        builder.ToTable("clean_bundle_chunks");
        builder.HasKey(c => new { c.CleanJobId, c.Seq });
        builder.Property(c => c.Data).IsRequired();
        builder.HasOne<CleanJob>().WithMany().HasForeignKey(c => c.CleanJobId).OnDelete(DeleteBehavior.Cascade);
    }
}
