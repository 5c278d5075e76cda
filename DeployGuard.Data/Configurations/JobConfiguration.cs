using DeployGuard.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DeployGuard.Data.Configurations;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> builder)
    {
        builder.ToTable("jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Kind).HasMaxLength(100).IsRequired();
        builder.Property(j => j.Payload).HasColumnType("jsonb");
        builder.Property(j => j.Key).HasMaxLength(200);
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(j => j.ClaimedBy).HasMaxLength(200);
        builder.Property(j => j.LastError).HasMaxLength(FieldLengths.Reason);
        // The claim: the oldest due queued job of a kind, read through this partial index only.
        builder.HasIndex(j => new { j.Kind, j.RunAfter }).HasFilter("status = 'Queued'").HasDatabaseName("ix_jobs_claim");
        // The stale sweep and the heartbeat guard look at running jobs only.
        builder.HasIndex(j => new { j.Kind, j.HeartbeatAt }).HasFilter("status = 'Running'").HasDatabaseName("ix_jobs_running");
        builder.HasIndex(j => j.SubjectId);
        builder.HasIndex(j => new { j.Kind, j.Key }).IsUnique().HasFilter("key IS NOT NULL AND status IN ('Queued', 'Running')")
            .HasDatabaseName("ix_jobs_one_per_key");
        builder.HasIndex(j => j.CompletedAt);
    }
}
