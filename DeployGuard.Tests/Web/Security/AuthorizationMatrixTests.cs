using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Catalog;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;
using DeployGuard.Data.Services.Pipelines;
using DeployGuard.Data.Services.Releases;
using DeployGuard.Data.Services.Tokens;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Web.Security;

/// <summary>
/// Every route of the app (from its endpoint data source: API, pages, hubs, Identity endpoints) × every kind of caller
/// has an expected outcome, and each is checked with a real request. A route added without an entry here fails
/// <see cref="EveryRoute_HasAnExpectedOutcome"/>; a route whose answer differs from its entry fails
/// <see cref="EveryRoute_EveryCaller_GetsTheExpectedOutcome"/> with the whole list of differences.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.Factory app) : IClassFixture<AuthorizationMatrixTests.Factory>, IAsyncLifetime
{
    public sealed class Factory : WebAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // The matrix is about who may call what, not how often: every caller makes ~100 calls in a few seconds.
            builder.UseSetting("Auth:RateLimits:ApiRequestsPerMinute", "100000");
            builder.UseSetting("Auth:RateLimits:AnonymousApiRequestsPerMinute", "100000");
            builder.UseSetting("Auth:RateLimits:AccountFormPostsPerAddressPerMinute", "100000");
        }
    }

    public enum Caller
    {
        Anonymous,
        Pending,
        Viewer,
        Engineer,
        Approver,
        Admin,
        TokenOfAnotherService,
    }

    /// <summary>What a route allows. The outcome per caller follows from it (<see cref="Outcome"/>).</summary>
    public enum Access
    {
        /// <summary>Anyone, signed in or not (sign-in pages, health, static files, the Blazor circuit).</summary>
        Public,

        /// <summary>Any signed-in account, pending ones too (their own account pages); not a CI token.</summary>
        SignedIn,

        /// <summary>Any role (Policies.Read).</summary>
        Read,

        Engineer,
        Approver,
        Admin,

        /// <summary>Reading one deployment: any role, and a CI token of that deployment's service only.</summary>
        DeploymentRead,

        /// <summary>
        /// Acting on a service or its deployments (cancel, roll back, report a stage result or a metric, create a
        /// service): admins and engineers of the service's team (and, for reports, a CI token of the service). The
        /// matrix's engineer is in no team, its token is of another service: both refused.
        /// </summary>
        ServiceTeam,

        /// <summary>
        /// Importing a scanner report: engineers and admins, and a CI token for its own service (the matrix's token names no
        /// service, so its report would be its own service's; naming another service is refused, see CliReportGateTests).
        /// </summary>
        EngineerOrServiceToken,
    }

    public enum Result
    {
        /// <summary>Neither 401/403 nor a redirect to sign-in or access denied; never a 500 either.</summary>
        Allowed,

        /// <summary>401 (API) or a redirect to the sign-in page (pages).</summary>
        SignInRequired,

        /// <summary>403 (API) or a redirect to the access-denied page (pages).</summary>
        Denied,

        /// <summary>A 5xx: never expected.</summary>
        ServerError,
    }

    private static Result Outcome(Access access, Caller caller) => (access, caller) switch
    {
        (Access.Public, _) => Result.Allowed,
        (_, Caller.Anonymous) => Result.SignInRequired,
        (Access.SignedIn, Caller.TokenOfAnotherService) => Result.Denied,
        (Access.SignedIn, _) => Result.Allowed,
        (Access.EngineerOrServiceToken, Caller.TokenOfAnotherService) => Result.Allowed,
        (_, Caller.Pending or Caller.TokenOfAnotherService) => Result.Denied,
        (Access.Read or Access.DeploymentRead, _) => Result.Allowed,
        (Access.Engineer or Access.EngineerOrServiceToken, Caller.Engineer or Caller.Admin) => Result.Allowed,
        (Access.Approver, Caller.Approver or Caller.Admin) => Result.Allowed,
        (Access.Admin or Access.ServiceTeam, Caller.Admin) => Result.Allowed,
        _ => Result.Denied,
    };

    /// <summary>Every route, as "METHOD pattern" from the endpoint data source. Static files are covered by <see cref="IsStaticAsset"/>.</summary>
    private static readonly Dictionary<string, Access> Expected = new()
    {
        // Health, the Blazor circuit, error pages. (No fallback route for files: MapStaticAssets adds one only where
        // ReloadStaticAssetsAtRuntime is on, which is Development alone; an unknown file is the not-found page.)
        ["GET /healthz"] = Access.Public,
        ["GET /readyz"] = Access.Public,
        ["* /_blazor"] = Access.Public,
        ["* /_blazor/negotiate"] = Access.Public,
        ["* /_blazor/disconnect/"] = Access.Public,
        ["* /_blazor/initializers/"] = Access.Public,
        ["GET /_framework/opaque-redirect"] = Access.Public,
        ["GET /Error"] = Access.Public,
        ["GET /not-found"] = Access.Public,

        // Identity: signing in, registering, recovering; managing one's own account.
        ["GET /Account/AccessDenied"] = Access.Public,
        ["GET /Account/ConfirmEmail"] = Access.Public,
        ["GET /Account/ConfirmEmailChange"] = Access.Public,
        ["GET /Account/ForgotPassword"] = Access.Public,
        ["GET /Account/ForgotPasswordConfirmation"] = Access.Public,
        ["GET /Account/InvalidPasswordReset"] = Access.Public,
        ["GET /Account/InvalidUser"] = Access.Public,
        ["GET /Account/Lockout"] = Access.Public,
        ["GET /Account/Login"] = Access.Public,
        ["GET /Account/LoginWith2fa"] = Access.Public,
        ["GET /Account/LoginWithRecoveryCode"] = Access.Public,
        ["GET /Account/Register"] = Access.Public,
        ["GET /Account/RegisterConfirmation"] = Access.Public,
        ["GET /Account/ResendEmailConfirmation"] = Access.Public,
        ["GET /Account/ResetPassword"] = Access.Public,
        ["GET /Account/ResetPasswordConfirmation"] = Access.Public,
        [SignOut] = Access.Public,
        ["GET /Account/Manage"] = Access.SignedIn,
        ["GET /Account/Manage/ChangePassword"] = Access.SignedIn,
        ["GET /Account/Manage/DeletePersonalData"] = Access.SignedIn,
        ["GET /Account/Manage/Disable2fa"] = Access.SignedIn,
        ["GET /Account/Manage/Email"] = Access.SignedIn,
        ["GET /Account/Manage/EnableAuthenticator"] = Access.SignedIn,
        ["GET /Account/Manage/GenerateRecoveryCodes"] = Access.SignedIn,
        ["GET /Account/Manage/PersonalData"] = Access.SignedIn,
        ["GET /Account/Manage/ResetAuthenticator"] = Access.SignedIn,
        ["GET /Account/Manage/SetPassword"] = Access.SignedIn,
        ["GET /Account/Manage/TwoFactorAuthentication"] = Access.SignedIn,
        ["POST /Account/Manage/DownloadPersonalData"] = Access.SignedIn,

        // Pages.
        ["GET /"] = Access.Read,
        ["GET /account/preferences"] = Access.Read,
        ["GET /account/sessions"] = Access.Read,
        ["GET /account/tokens"] = Access.Read,
        ["GET /admin/outbox"] = Access.Admin,
        ["GET /admin/sessions"] = Access.Admin,
        ["GET /admin/users"] = Access.Admin,
        ["GET /approvals"] = Access.Approver,
        ["GET /audit"] = Access.Admin,
        ["GET /board"] = Access.Read,
        ["GET /deployments"] = Access.Read,
        ["GET /deployments/{Id:guid}"] = Access.Read,
        ["GET /environments"] = Access.Read,
        ["GET /environments/new"] = Access.Admin,
        ["GET /environments/{Id:guid}/edit"] = Access.Admin,
        ["GET /environments/{Id:guid}/protection"] = Access.Admin,
        ["GET /findings"] = Access.Read,
        ["GET /findings/patterns"] = Access.Read,
        ["GET /releases"] = Access.Read,
        ["GET /releases/new"] = Access.Engineer,
        ["GET /releases/{Id:guid}"] = Access.Read,
        ["GET /scans"] = Access.Read,
        ["GET /scans/new"] = Access.Engineer,
        ["GET /scans/{Id:guid}"] = Access.Read,
        ["GET /scans/import"] = Access.Engineer,
        ["GET /scans/reports/{Id:guid}"] = Access.Read,
        ["GET /vulnerabilities"] = Access.Read,
        ["GET /vulnerabilities/cve/{Id}"] = Access.Read,
        ["GET /admin/epss"] = Access.Admin,
        ["GET /services"] = Access.Read,
        ["GET /services/new"] = Access.Engineer,
        ["GET /services/{Id:guid}"] = Access.Read,
        ["GET /services/{Id:guid}/edit"] = Access.Engineer,
        ["GET /services/{Id:guid}/pipeline"] = Access.Read,
        ["GET /teams"] = Access.Read,
        ["GET /teams/new"] = Access.Admin,
        ["GET /teams/{Id:guid}"] = Access.Read,
        ["GET /teams/{Id:guid}/edit"] = Access.Admin,

        // Live events.
        ["* /hubs/deployments"] = Access.Read,
        ["* /hubs/deployments/negotiate"] = Access.Read,
        ["* /metrics"] = Access.Admin,

        // HTTP API.
        ["GET /api/audit/export.csv"] = Access.Admin,
        ["GET /api/audit/public-key"] = Access.Admin,
        ["GET /api/audit/verify"] = Access.Admin,
        ["GET /api/audit/{id:long}"] = Access.Admin,
        ["GET /api/teams/"] = Access.Read,
        ["GET /api/teams/{id:guid}"] = Access.Read,
        ["POST /api/teams/"] = Access.Admin,
        ["PUT /api/teams/{id:guid}"] = Access.Admin,
        ["DELETE /api/teams/{id:guid}"] = Access.Admin,
        ["GET /api/services/"] = Access.Read,
        ["GET /api/services/{id:guid}"] = Access.Read,
        ["POST /api/services/"] = Access.ServiceTeam,
        ["PUT /api/services/{id:guid}"] = Access.Engineer,
        ["DELETE /api/services/{id:guid}"] = Access.Engineer,
        ["GET /api/environments/"] = Access.Read,
        ["GET /api/environments/{id:guid}"] = Access.Read,
        ["POST /api/environments/"] = Access.Admin,
        ["PUT /api/environments/{id:guid}"] = Access.Admin,
        ["DELETE /api/environments/{id:guid}"] = Access.Admin,
        ["GET /api/releases/"] = Access.Read,
        ["GET /api/releases/{id:guid}"] = Access.Read,
        ["POST /api/releases/"] = Access.Engineer,
        ["GET /api/services/{id:guid}/pipeline"] = Access.Read,
        ["PUT /api/services/{id:guid}/pipeline"] = Access.Engineer,
        ["POST /api/pipelines/validate"] = Access.Read,
        ["GET /api/deployments/"] = Access.Read,
        ["GET /api/deployments/{id:guid}"] = Access.DeploymentRead,
        ["GET /api/deployments/{id:guid}/logs"] = Access.DeploymentRead,
        ["POST /api/deployments/"] = Access.Engineer,
        ["POST /api/deployments/{id:guid}/cancel"] = Access.ServiceTeam,
        ["POST /api/deployments/{id:guid}/rollback"] = Access.ServiceTeam,
        ["POST /api/deployments/{id:guid}/approvals"] = Access.Approver,
        ["POST /api/deployments/{id:guid}/stages/{name}/result"] = Access.ServiceTeam,
        ["POST /api/deployments/{id:guid}/metrics"] = Access.ServiceTeam,
        ["DELETE /api/deployments/{id:guid}"] = Access.Admin,
        ["GET /api/approvals"] = Access.Approver,
        ["GET /api/board"] = Access.Read,
        ["GET /api/scans/{id:guid}"] = Access.Read,
        ["GET /api/scans/"] = Access.Read,
        ["GET /api/scans/{id:guid}/vulnerabilities"] = Access.Read,
        ["DELETE /api/scans/{id:guid}"] = Access.Engineer,
        ["POST /api/scans/trigger"] = Access.Engineer,
        ["POST /api/scans/import"] = Access.EngineerOrServiceToken,
        ["GET /api/scans/{id:guid}/analyses/"] = Access.Read,
        ["POST /api/scans/{id:guid}/analyses/"] = Access.Engineer,
        ["GET /api/analyses/costs"] = Access.Read,
        ["GET /api/vulnerabilities"] = Access.Read,
        ["GET /api/vulnerabilities/{id:guid}"] = Access.Read,
        // Any role at the route; the service refuses viewers (403) once the body is valid.
        ["POST /api/vulnerabilities/status"] = Access.Read,
        ["POST /api/vulnerabilities/accept"] = Access.Approver,
        ["POST /api/risk-acceptances/{id:guid}/revoke"] = Access.Approver,
        ["GET /api/cves/{id}"] = Access.Read,
        ["GET /api/environments/{id:guid}/security-policy"] = Access.Read,
        ["GET /api/environments/{id:guid}/security-policy/history"] = Access.Read,
        ["PUT /api/environments/{id:guid}/security-policy"] = Access.Admin,
        // And a CI token of the service asked about (GateApiTests): another service's token is refused.
        ["GET /api/gate"] = Access.Read,
        ["POST /api/deployments/{id:guid}/gate/override"] = Access.Admin,
        ["GET /api/security/dashboard"] = Access.Read,
        ["GET /api/epss"] = Access.Read,
        ["POST /api/epss/import"] = Access.Admin,
        ["GET /openapi/{documentName}.json"] = Access.Read,
        ["GET /api/scans/{id:guid}/cleanings/{cleanId:guid}/bundle"] = Access.Engineer,
        ["POST /api/scans/upload"] = Access.Engineer,
        ["GET /api/scanning/false-positive-patterns"] = Access.Read,
        ["POST /api/feedback"] = Access.Public,
    };

    private readonly Dictionary<Caller, HttpClient> _clients = [];
    private Guid _deploymentId;

    public async Task InitializeAsync()
    {
        var admin = await TestUsers.CreateAsync(app.Services, Roles.Admin);
        var adminCaller = admin.AsCaller(Roles.Admin);
        _clients[Caller.Anonymous] = app.NewClient();
        _clients[Caller.Pending] = await SignInAsync(await TestUsers.CreateAsync(app.Services, role: null));
        _clients[Caller.Viewer] = await SignInAsync(await TestUsers.CreateAsync(app.Services, Roles.Viewer));
        _clients[Caller.Engineer] = await SignInAsync(await TestUsers.CreateAsync(app.Services, Roles.Engineer));
        _clients[Caller.Approver] = await SignInAsync(await TestUsers.CreateAsync(app.Services, Roles.Approver));
        _clients[Caller.Admin] = await SignInAsync(admin);

        // A deployment waiting on an external stage, of a service whose team the matrix's engineer is not in.
        var team = (await Get<TeamService>().CreateAsync(new TeamInput { Name = $"Owners {Guid.NewGuid():N}"[..20] }, adminCaller)).Value!;
        var catalog = Get<ServiceCatalogService>();
        var service = (await catalog.CreateAsync(new ServiceInput { Name = $"mx-{Guid.NewGuid():N}"[..20], TeamId = team.Id }, adminCaller)).Value!;
        var other = (await catalog.CreateAsync(new ServiceInput { Name = $"mo-{Guid.NewGuid():N}"[..20], TeamId = team.Id }, adminCaller)).Value!;
        Assert.True((await Get<PipelineService>().SaveAsync(service.Id,
            new PipelineInput { Yaml = "stages:\n  - name: qa\n    kind: external\n    timeout: 3600\n" }, adminCaller)).Succeeded);
        var environment = (await Get<EnvironmentService>().CreateAsync(new EnvironmentInput { Name = $"mx-{Guid.NewGuid():N}"[..20] }, adminCaller)).Value!;
        var release = (await Get<ReleaseService>().CreateAsync(new ReleaseInput { ServiceId = service.Id, Version = "1.0.0" }, adminCaller)).Value!;
        var started = await Get<DeploymentService>().StartAsync(new StartDeploymentInput { ReleaseId = release.Id, EnvironmentId = environment.Id }, adminCaller);
        _deploymentId = started.Value!.DeploymentId;

        // Even an admin's CI token of another service.
        var token = await Get<ApiTokenService>().CreateAsync(new ApiTokenInput("matrix", 1, other.Id), adminCaller);
        var bearer = app.NewClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Value!.Value);
        _clients[Caller.TokenOfAnotherService] = bearer;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private T Get<T>() where T : notnull => app.Services.GetRequiredService<T>();

    private async Task<HttpClient> SignInAsync(ApplicationUser user)
    {
        var client = app.NewClient();
        var response = await client.PostLoginAsync(user.Email!, TestUsers.Password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        // As the session's own pages would: what is checked here is authorization (CookieAntiforgeryTests checks the token).
        await client.SendAntiforgeryTokenAsync();
        return client;
    }

    private IReadOnlyList<RouteEndpoint> Routes() =>
        Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Where(e => !IsStaticAsset(e)).ToList();

    /// <summary>Files of wwwroot and packages: public by design, like the file fallback.</summary>
    private static bool IsStaticAsset(Endpoint endpoint) => endpoint.Metadata.GetMetadata<StaticAssetDescriptor>() is not null;

    private bool AcceptsMultipart(string key) =>
        Routes().Any(e => Key(e) == key && e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes
            .Any(t => t.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)) == true);

    private static string Key(RouteEndpoint endpoint)
    {
        var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods;
        // Pages answer GET and POST (their forms); the matrix asks with GET. Minimal APIs name one method.
        var method = methods is null ? "*" : methods.Contains("GET") ? "GET" : methods[0];
        return $"{method} {endpoint.RoutePattern.RawText}";
    }

    [Fact]
    public void EveryRoute_HasAnExpectedOutcome()
    {
        _ = app.Server;
        var keys = Routes().Select(Key).Distinct().ToList();

        var missing = keys.Except(Expected.Keys).Order().ToList();
        var stale = Expected.Keys.Except(keys).Order().ToList();

        Assert.True(missing.Count == 0, "Routes without an entry in the authorization matrix (add one): " + string.Join(", ", missing));
        Assert.True(stale.Count == 0, "Matrix entries without a route (remove them): " + string.Join(", ", stale));
        Assert.Contains(Get<EndpointDataSource>().Endpoints, IsStaticAsset);
    }

    private const string SignOut = "POST /Account/Logout";

    [Fact]
    public async Task EveryRoute_EveryCaller_GetsTheExpectedOutcome()
    {
        var differences = new List<string>();
        var checkedCount = 0;
        // Sign-out last: the clients send the session's antiforgery token, so the logout really ends each caller's session,
        // and once the security stamp is re-validated (every minute) every later request of that caller is sent to sign in.
        var keys = Routes().Select(Key).Distinct().Where(Expected.ContainsKey).OrderBy(k => k == SignOut).ThenBy(k => k, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var expected = Outcome(Expected[key], caller);
                var (actual, status, location) = await RequestAsync(key, caller);
                if (Expected[key] == Access.Public && actual == Result.SignInRequired && status == HttpStatusCode.Redirect)
                {
                    actual = Result.Allowed; // a public page sending its visitor to sign in first (2FA step, email change): no authorization involved
                }

                checkedCount++;
                if (actual != expected)
                {
                    differences.Add($"{key} as {caller}: expected {expected}, got {actual} ({(int)status}{(location is null ? "" : " → " + location)})");
                }
            }
        }

        // A few static files, as every caller.
        foreach (var caller in Enum.GetValues<Caller>())
        {
            var file = await _clients[caller].GetAsync("/app.css");
            if (file.StatusCode != HttpStatusCode.OK)
            {
                differences.Add($"GET /app.css as {caller}: {(int)file.StatusCode}");
            }
        }

        Assert.True(differences.Count == 0, $"{differences.Count} of {checkedCount} outcomes differ:\n" + string.Join("\n", differences));
    }

    private async Task<(Result Result, HttpStatusCode Status, string? Location)> RequestAsync(string key, Caller caller)
    {
        var (method, pattern) = (key[..key.IndexOf(' ')], key[(key.IndexOf(' ') + 1)..]);
        var path = "/" + pattern.TrimStart('/')
            .Replace("{id:long}", "1")
            .Replace("{name}", "qa")
            .Replace("{cleanId:guid}", Guid.NewGuid().ToString());
        // The deployment routes act on the real deployment (so that scope checks decide); other ids do not exist.
        path = path.StartsWith("/api/deployments/", StringComparison.Ordinal)
            ? path.Replace("{id:guid}", _deploymentId.ToString())
            : path.Replace("{id:guid}", Guid.NewGuid().ToString()).Replace("{Id:guid}", Guid.NewGuid().ToString());
        var httpMethod = method switch
        {
            "*" when path.EndsWith("/negotiate", StringComparison.Ordinal) => HttpMethod.Post,
            "*" => HttpMethod.Get,
            _ => new HttpMethod(method),
        };
        if (path.EndsWith("/negotiate", StringComparison.Ordinal))
        {
            path += "?negotiateVersion=1";
        }

        using var request = new HttpRequestMessage(httpMethod, path);
        if (httpMethod != HttpMethod.Get && httpMethod != HttpMethod.Delete)
        {
            // A body of the type the route accepts (uploads take multipart): routing answers 415 to any other before
            // authorization is asked, which would hide the route's access rule.
            request.Content = AcceptsMultipart(key)
                ? new MultipartFormDataContent { { new StringContent("{}"), "field" } }
                : new StringContent("{}", Encoding.UTF8, "application/json");
        }

        var response = await _clients[caller].SendAsync(request);
        var location = response.Headers.Location?.OriginalString;
        var result = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => Result.SignInRequired,
            HttpStatusCode.Forbidden => Result.Denied,
            HttpStatusCode.Redirect when location?.Contains("/Account/Login", StringComparison.OrdinalIgnoreCase) == true => Result.SignInRequired,
            HttpStatusCode.Redirect when location?.Contains("/Account/AccessDenied", StringComparison.OrdinalIgnoreCase) == true => Result.Denied,
            >= HttpStatusCode.InternalServerError => Result.ServerError,
            _ => Result.Allowed,
        };
        return (result, response.StatusCode, location);
    }
}
