using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Audit;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using Microsoft.AspNetCore.Identity;

namespace DeployGuard.Web.Commands;

/// <summary>
/// Demo data at seed 05's volumes: 3 teams, 8 users covering every role, 5 services, 3 environments.
/// Idempotent: anything that already exists (by email or name) is left as it is.
/// </summary>
internal static class DemoSeeder
{
    public const string Password = "Demo-pass-2026"; // deployguard:allow (documented demo login, README)

    public static readonly (string Email, string Name, string Role, string? Team)[] Users =
    [
        ("admin@deployguard.local", "Ada Admin", Roles.Admin, "Platform"),
        ("lead.platform@deployguard.local", "Pat Platform-Lead", Roles.Approver, "Platform"),
        ("lead.backend@deployguard.local", "Bea Backend-Lead", Roles.Approver, "Backend"),
        ("dev.platform@deployguard.local", "Dan Platform-Dev", Roles.Engineer, "Platform"),
        ("dev.backend@deployguard.local", "Eve Backend-Dev", Roles.Engineer, "Backend"),
        ("dev.frontend@deployguard.local", "Fay Frontend-Dev", Roles.Engineer, "Frontend"),
        ("viewer1@deployguard.local", "Vic Viewer", Roles.Viewer, null),
        ("viewer2@deployguard.local", "Val Viewer", Roles.Viewer, null),
    ];

    /// <param name="demoRepositoryFolder">Where to create the demo scan's git repository (default: <see cref="DemoScans.DefaultRepositoryFolder"/>).</param>
    public static async Task SeedAsync(IServiceProvider services, string? demoRepositoryFolder = null)
    {
        var audit = services.GetRequiredService<AuditWriter>();
        var clock = services.GetRequiredService<TimeProvider>();
        var userIds = new Dictionary<string, string>();
        await using (var scope = services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var db = scope.ServiceProvider.GetRequiredService<Data.ApplicationDbContext>();
            foreach (var (email, name, role, _) in Users)
            {
                var user = await users.FindByEmailAsync(email);
                if (user is null)
                {
                    user = new ApplicationUser
                    {
                        UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, CreatedAt = clock.GetUtcNow(),
                    };
                    Check(await users.CreateAsync(user, Password));
                    Check(await users.AddToRoleAsync(user, role));
                    audit.Add(db, AuditActor.System, AuditActions.UserRegistered, ResourceTypes.User, user.Id, new { email, role, source = "seed-demo" });
                    await db.SaveChangesAsync();
                    Console.WriteLine($"  user {email} ({role})");
                }

                userIds[email] = user.Id;
            }
        }

        var teams = services.GetRequiredService<TeamService>();
        var existingTeams = (await teams.NamesAsync()).ToDictionary(t => t.Name, t => t.Id);
        var teamSpecs = new[]
        {
            ("Platform", "Infrastructure, CI/CD and the API gateway.", "#team-platform"),
            ("Backend", "Payments, authentication and notifications.", "#team-backend"),
            ("Frontend", "The customer dashboard.", "#team-frontend"),
        };
        foreach (var (name, description, slack) in teamSpecs)
        {
            if (existingTeams.ContainsKey(name))
            {
                continue;
            }

            var members = Users.Where(u => u.Team == name).Select(u => userIds[u.Email]).ToList();
            var created = await teams.CreateAsync(new TeamInput { Name = name, Description = description, SlackChannel = slack, MemberIds = members },
                Caller.System);
            existingTeams[name] = Require(created).Id;
            Console.WriteLine($"  team {name}");
        }

        var environments = services.GetRequiredService<EnvironmentService>();
        var existingEnvironments = (await environments.AllAsync()).Select(e => e.Name).ToHashSet();
        var environmentSpecs = new[]
        {
            new EnvironmentInput { Name = "Development", Description = "Every merge to main lands here.", Type = EnvironmentType.Development, SortOrder = 10 },
            new EnvironmentInput { Name = "Staging", Description = "Release candidates, production-like data.", Type = EnvironmentType.Staging, SortOrder = 20, RequiredApprovals = 0 },
            new EnvironmentInput
            {
                Name = "Production", Description = "Customer traffic. Protected.", Type = EnvironmentType.Production, SortOrder = 30, IsProtected = true,
                RequiredApprovals = 1,
            },
        };
        foreach (var spec in environmentSpecs.Where(e => !existingEnvironments.Contains(e.Name)))
        {
            Require(await environments.CreateAsync(spec, Caller.System));
            Console.WriteLine($"  environment {spec.Name}");
        }

        var catalog = services.GetRequiredService<ServiceCatalogService>();
        var existingServices = (await catalog.ListAsync(new ServiceQuery { Take = 200 })).Items.Select(s => s.Name).ToHashSet();
        var serviceSpecs = new[]
        {
            ("auth-service", "Sign-in, tokens and sessions.", "Backend", ServiceRuntime.DotNet, "dotnet publish -c Release", "lead.backend@deployguard.local"),
            ("payment-api", "Card payments and refunds.", "Backend", ServiceRuntime.Java, "./gradlew build", "dev.backend@deployguard.local"),
            ("user-dashboard", "The customer web dashboard.", "Frontend", ServiceRuntime.NodeJs, "npm ci && npm run build", "dev.frontend@deployguard.local"),
            ("api-gateway", "Routing, rate limits and TLS termination.", "Platform", ServiceRuntime.Go, "go build ./...", "lead.platform@deployguard.local"),
            ("notification-service", "Email, Slack and webhook notifications.", "Backend", ServiceRuntime.Python, "pip install -r requirements.txt", "dev.backend@deployguard.local"),
        };
        foreach (var (name, description, team, runtime, build, owner) in serviceSpecs.Where(s => !existingServices.Contains(s.Item1)))
        {
            Require(await catalog.CreateAsync(new ServiceInput
            {
                Name = name, Description = description, RepositoryUrl = $"https://github.com/deployguard-demo/{name}.git", DefaultBranch = "main",
                BuildCommand = build, Runtime = runtime, TeamId = existingTeams[team], OwnerId = userIds[owner],
                AutoDeployEnabled = team == "Platform", AutoDeployBranch = team == "Platform" ? "main" : null,
            }, Caller.System));
            Console.WriteLine($"  service {name}");
        }

        // Seed 05's ten releases: two per service, the newest of the frontend still a draft.
        var releases = services.GetRequiredService<Data.Services.Releases.ReleaseService>();
        var releasesCreated = 0;
        foreach (var row in (await catalog.ListAsync(new ServiceQuery { Take = 200 })).Items.Where(s => serviceSpecs.Any(spec => spec.Item1 == s.Name)))
        {
            var owner = serviceSpecs.First(spec => spec.Item1 == row.Name).Item6;
            foreach (var (version, draft, notes) in new[]
                     {
                         ("1.0.0", false, "First production release."),
                         ("1.1.0", row.Name == "user-dashboard", "- Faster start-up\n- Fix: retries on 503\n\nSee the changelog for details."),
                     })
            {
                var result = await releases.CreateAsync(new Data.Services.Releases.ReleaseInput
                {
                    ServiceId = row.Id, Version = version, Notes = $"## {row.Name} {version}\n\n{notes}", Branch = "main",
                    CommitSha = Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(row.Name + version)))
                        .ToLowerInvariant(),
                    CommitAuthor = owner, CommitMessage = $"Release {version}", IsDraft = draft,
                }, Caller.System);
                releasesCreated += result.Succeeded ? 1 : 0; // an existing version is left as it is
            }
        }

        if (releasesCreated > 0)
        {
            Console.WriteLine($"  {releasesCreated} release(s)");
        }

        // Deployments and the demo scan run through the job queue: in the command mode the host is not running, so this
        // instance's workers run for the length of the seeding. The scans and imports come first, so every seeded gate judges
        // what they found (payment-api's blocks on its leaked secrets instead of warning that nothing was checked). The gated
        // story (notification-service 1.0.0 to Development: blocked, its criticals accepted, then through) comes before the
        // history, which promotes that release to Staging and rolls back 1.1.0's failed smoke test to it.
        var historyDue = await DemoDeployments.NoneYetAsync(services);
        await Workers.Jobs.JobsSetup.WithWorkersAsync(services, async () =>
        {
            await DemoScans.SeedAsync(services, userIds, demoRepositoryFolder ?? DemoScans.DefaultRepositoryFolder(services));
            await DemoVulnerabilities.SeedAsync(services, userIds);
            if (historyDue)
            {
                await DemoDeployments.SeedAsync(services, userIds);
            }
        });
        Console.WriteLine($"Demo data ready. Sign in as any of the demo users with password '{Password}', for example admin@deployguard.local.");
    }

    private static T Require<T>(Result<T> result) =>
        result.Succeeded ? result.Value! : throw new InvalidOperationException($"Seeding failed: {result.Message}");

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
