using DeployGuard.Data.Entities;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Data;

/// <summary>The app's model; also Data Protection's key store (<see cref="IDataProtectionKeyContext"/>), shared by every instance.</summary>
public class ApplicationDbContext(DbContextOptions<ApplicationDbContext> options)
    : IdentityDbContext<ApplicationUser>(options), IDataProtectionKeyContext
{
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<Service> Services => Set<Service>();
    public DbSet<DeploymentEnvironment> Environments => Set<DeploymentEnvironment>();
    public DbSet<AuditLog> AuditLogs => Set<AuditLog>();
    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<UserPreferences> UserPreferences => Set<UserPreferences>();
    public DbSet<OutboxEmail> OutboxEmails => Set<OutboxEmail>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<ScanJob> ScanJobs => Set<ScanJob>();
    public DbSet<SecretFinding> SecretFindings => Set<SecretFinding>();
    public DbSet<FeedbackSubmission> FeedbackSubmissions => Set<FeedbackSubmission>();
    public DbSet<FeedbackItem> FeedbackItems => Set<FeedbackItem>();
    public DbSet<KnownFalsePositivePattern> KnownFalsePositivePatterns => Set<KnownFalsePositivePattern>();
    public DbSet<CleanJob> CleanJobs => Set<CleanJob>();
    public DbSet<CleanBundleChunk> CleanBundleChunks => Set<CleanBundleChunk>();

    // Releases and deployments (issue 3).
    public DbSet<Release> Releases => Set<Release>();
    public DbSet<PipelineDefinition> PipelineDefinitions => Set<PipelineDefinition>();
    public DbSet<Deployment> Deployments => Set<Deployment>();
    public DbSet<DeploymentStage> DeploymentStages => Set<DeploymentStage>();
    public DbSet<DeploymentLog> DeploymentLogs => Set<DeploymentLog>();
    public DbSet<Approval> Approvals => Set<Approval>();
    public DbSet<HealthCheckAttempt> HealthCheckAttempts => Set<HealthCheckAttempt>();
    public DbSet<SecurityGateDecision> SecurityGateDecisions => Set<SecurityGateDecision>();
    public DbSet<Rollback> Rollbacks => Set<Rollback>();
    public DbSet<DeploymentMetric> DeploymentMetrics => Set<DeploymentMetric>();
    public DbSet<FreezeWindow> FreezeWindows => Set<FreezeWindow>();
    public DbSet<BlockedRelease> BlockedReleases => Set<BlockedRelease>();

    // Vulnerability management (issue 11): seed 02's scans, vulnerabilities and analyses, seed 03's security scans and agent runs.
    public DbSet<Scan> Scans => Set<Scan>();
    public DbSet<FindingScope> FindingScopes => Set<FindingScope>();
    public DbSet<VulnerabilityFinding> VulnerabilityFindings => Set<VulnerabilityFinding>();
    public DbSet<VulnerabilitySummary> VulnerabilitySummaries => Set<VulnerabilitySummary>();
    public DbSet<Vulnerability> Vulnerabilities => Set<Vulnerability>();
    public DbSet<VulnerabilityDetail> VulnerabilityDetails => Set<VulnerabilityDetail>();
    public DbSet<EpssScore> EpssScores => Set<EpssScore>();
    public DbSet<RiskAcceptance> RiskAcceptances => Set<RiskAcceptance>();
    public DbSet<AiAnalysis> AiAnalyses => Set<AiAnalysis>();
    public DbSet<AgentExecution> AgentExecutions => Set<AgentExecution>();
    public DbSet<SecurityScan> SecurityScans => Set<SecurityScan>();
    public DbSet<SecurityPolicyVersion> SecurityPolicyVersions => Set<SecurityPolicyVersion>();
    public DbSet<SecretFindingSighting> SecretFindingSightings => Set<SecretFindingSighting>();

    // The job queue (issue 10).
    public DbSet<Job> Jobs => Set<Job>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // Identity's tables under the names the seeds use.
        builder.Entity<ApplicationUser>().ToTable("users");
        builder.Entity<IdentityRole>().ToTable("roles");
        builder.Entity<IdentityUserRole<string>>().ToTable("user_roles");
        builder.Entity<IdentityUserClaim<string>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<string>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<string>>().ToTable("user_tokens");
        builder.Entity<IdentityRoleClaim<string>>().ToTable("role_claims");

        builder.ApplyConfigurationsFromAssembly(typeof(ApplicationDbContext).Assembly);
        builder.UseSnakeCaseNames();
    }
}
