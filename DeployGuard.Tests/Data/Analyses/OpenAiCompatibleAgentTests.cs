using System.Text.Json;
using System.Text.Json.Nodes;
using DeployGuard.Data.Services.Analyses;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Users;
using DeployGuard.Data.Services.Vulnerabilities;
using DeployGuard.Tests.Fixtures;
using DeployGuard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DeployGuard.Tests.Data.Analyses;

/// <summary>
/// The OpenAI-compatible provider against a real chat-completions server on loopback: what it sends (metadata only, the
/// key in the Authorization header and nowhere else), what it stores (tokens, cost from the price table), and failures
/// (HTTP error, no answer in time, an answer that is not JSON) recorded as failed executions.
/// </summary>
public sealed class OpenAiCompatibleAgentTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string Model = "test-model";
    private static readonly Caller Engineer = new("llm-engineer", "engineer@example.test", [Roles.Engineer]);
    private readonly string apiKey = $"sk-test-{Guid.NewGuid():N}";
    private ChatCompletionsServer server = default!;

    public async Task InitializeAsync() => server = await ChatCompletionsServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task RunAsync_ServerAnswers_StoresOutputTokensAndCostFromThePriceTable()
    {
        var scanId = await ImportAsync("trivy/trivy-dd-2.json");
        server.Respond = (_, http) => ChatCompletionsServer.AnswerAsync(http,
            """{"decision":"approve","vulnerabilities_found":13,"reasoning":"Only low and medium issues.","recommendation":"safe to deploy"}""", 1234, 567);
        await using var services = Services();

        var result = await services.GetRequiredService<AgentRunner>().RunAsync(scanId, AgentNames.Security, Engineer);

        var run = result.Value!;
        Assert.True(run.Success, run.Error);
        // 1234 × 0.15 / 1e6 + 567 × 0.60 / 1e6 = 0.0001851 + 0.0003402
        Assert.Equal((1234L, 567L, 0.000525m), (run.InputTokens, run.OutputTokens, run.CostUsd));
        Assert.Equal("test-model-2026-01-01", run.Model);
        var row = (await services.GetRequiredService<AnalysisService>().ListAsync(scanId)).Value!.Single();
        Assert.Equal((true, 1234, 567, 0.000525m, $"openai:{new Uri(server.BaseUrl).Authority}"), (row.Success, row.InputTokens, row.OutputTokens, row.CostUsd, row.Provider));
        Assert.Equal("approve", JsonDocument.Parse(row.Output!).RootElement.GetProperty("decision").GetString());

        var request = Assert.Single(server.Received);
        Assert.Equal($"Bearer {apiKey}", request.Authorization);
        Assert.Equal(Model, request.Json.GetProperty("model").GetString());
        Assert.Equal("json_object", request.Json.GetProperty("response_format").GetProperty("type").GetString());
        var messages = request.Json.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user"], messages.Select(m => m.GetProperty("role").GetString()!));
        var context = JsonNode.Parse(messages[1].GetProperty("content").GetString()!)!;
        Assert.Equal(scanId, (Guid)context["scan_id"]!);
        Assert.Equal(13, context["findings"]!.AsArray().Count);
    }

    [Fact]
    public async Task RunAsync_ModelNotInPriceTable_CostZeroTokensKept()
    {
        var scanId = await ImportAsync("trivy/trivy-dd-2.json");
        server.Respond = (_, http) => ChatCompletionsServer.AnswerAsync(http, """{"summary":"ok"}""", 100, 50, model: "unpriced-model");
        await using var services = Services(priced: false);

        var run = (await services.GetRequiredService<AgentRunner>().RunAsync(scanId, AgentNames.Prioritization, Engineer)).Value!;

        Assert.Equal((true, 100L, 50L, 0m), (run.Success, run.InputTokens, run.OutputTokens, run.CostUsd));
    }

    [Fact]
    public async Task RunAsync_ServerError_FailedExecutionWithTheErrorAndNoKey()
    {
        var scanId = await ImportAsync("trivy/trivy-dd-2.json");
        server.Respond = (_, http) => ChatCompletionsServer.ErrorAsync(http, 500, "The model is overloaded");
        await using var services = Services();

        var run = (await services.GetRequiredService<AgentRunner>().RunAsync(scanId, AgentNames.Remediation, Engineer)).Value!;

        Assert.False(run.Success);
        Assert.Contains("500", run.Error);
        var stored = await Sql.ScalarAsync<string>(db.ConnectionString, "SELECT error_message FROM agent_executions WHERE id = @id", ("id", run.ExecutionId));
        Assert.Equal(run.Error, stored);
        Assert.Equal(1, await Sql.ScalarAsync<long>(db.ConnectionString,
            "SELECT count(*) FROM audit_logs WHERE action = 'analysis.failed' AND resource_id = @id", ("id", scanId.ToString())));
        Assert.Equal(0, await KeyOccurrencesAsync());
    }

    [Fact]
    public async Task RunAsync_ServerNeverAnswers_FailedExecutionAfterTheTimeout()
    {
        var scanId = await ImportAsync("trivy/trivy-dd-2.json");
        server.Respond = (_, http) => ChatCompletionsServer.HangAsync(http);
        await using var services = Services(timeoutSeconds: 1);

        var run = (await services.GetRequiredService<AgentRunner>().RunAsync(scanId, AgentNames.SupplyChain, Engineer)).Value!;

        Assert.False(run.Success);
        Assert.NotNull(run.Error);
        Assert.Single(server.Received);
        Assert.False(await Sql.ScalarAsync<bool>(db.ConnectionString, "SELECT success FROM agent_executions WHERE id = @id", ("id", run.ExecutionId)));
        Assert.Equal("analysis.failed", await Sql.ScalarAsync<string>(db.ConnectionString,
            "SELECT action FROM audit_logs WHERE resource_id = @id ORDER BY id DESC LIMIT 1", ("id", scanId.ToString())));
    }

    [Fact]
    public async Task RunAsync_AnswerIsNotJson_FailedExecutionKeepsTheText()
    {
        var scanId = await ImportAsync("trivy/trivy-dd-2.json");
        server.Respond = (_, http) => ChatCompletionsServer.AnswerAsync(http, "Sure! Here is my analysis: all good.", 40, 9);
        await using var services = Services();

        var run = (await services.GetRequiredService<AgentRunner>().RunAsync(scanId, AgentNames.Security, Engineer)).Value!;

        Assert.False(run.Success);
        Assert.Equal((40L, 9L), (run.InputTokens, run.OutputTokens));
        var output = await Sql.ScalarAsync<string>(db.ConnectionString, "SELECT output::text FROM agent_executions WHERE id = @id", ("id", run.ExecutionId));
        Assert.Contains("all good", output);
    }

    [Fact]
    public async Task RunAsync_ScanWithSecrets_PromptCarriesCountsButNoSecretValueOrPreview()
    {
        var serviceTarget = $"leaky-{Guid.NewGuid():N}";
        var secretScans = new List<Guid>();
        foreach (var fixture in new[] { "gitleaks/gitleaks-dd-2.json", "trufflehog/trufflehog-dd-1.jsonl", "trivy/trivy-dd-1.json", "sarif/sarif-dd-3.sarif" })
        {
            secretScans.Add(await ImportAsync(fixture, serviceTarget));
        }

        server.Respond = (_, http) => ChatCompletionsServer.AnswerAsync(http, """{"decision":"reject","reasoning":"secrets"}""", 10, 5);
        await using var services = Services();

        foreach (var scanId in secretScans)
        {
            foreach (var agent in AgentNames.All)
            {
                Assert.True((await services.GetRequiredService<AgentRunner>().RunAsync(scanId, agent, Engineer)).Value!.Success);
            }
        }

        var sent = string.Join("\n", server.Received.Select(r => r.Body));
        Assert.Equal(secretScans.Count * AgentNames.All.Count, server.Received.Count);
        var contexts = server.Received.Select(r => JsonNode.Parse(r.Json.GetProperty("messages")[1].GetProperty("content").GetString()!)!).ToList();
        Assert.Contains(contexts, c => (int)c["open_secret_findings"]! > 0);
        var secrets = SecretValues("gitleaks/gitleaks-dd-2.json").Concat(SecretValues("trufflehog/trufflehog-dd-1.jsonl")).Concat(SecretValues("trivy/trivy-dd-1.json"))
            .Concat(SecretValues("sarif/sarif-dd-3.sarif")).Where(v => v.Length >= 8).Distinct().ToList();
        Assert.NotEmpty(secrets);
        Assert.All(secrets, value => Assert.DoesNotContain(value, sent));
        Assert.All(secrets, value => Assert.DoesNotContain(JsonEncodedText.Encode(value).ToString(), sent));
        var previews = await Sql.ListAsync<string>(db.ConnectionString, "SELECT redacted_preview FROM secret_findings WHERE length(redacted_preview) >= 6");
        var hashes = await Sql.ListAsync<string>(db.ConnectionString, "SELECT secret_value_hash FROM secret_findings");
        Assert.NotEmpty(previews);
        Assert.All(previews.Concat(hashes), value => Assert.DoesNotContain(value, sent));
        Assert.All(previews.Concat(hashes), value => Assert.DoesNotContain(JsonEncodedText.Encode(value).ToString(), sent));
    }

    [Fact]
    public void Validate_OpenAiWithoutBaseUrlModelOrKey_NamesTheKeyNeverTheValue()
    {
        var missing = new AnalysisOptions { Provider = "openai", OpenAI = { Model = Model, ApiKey = apiKey } };
        var noKey = new AnalysisOptions { Provider = "openai", OpenAI = { BaseUrl = "ftp://x", Model = Model, ApiKey = apiKey } };
        var noModel = new AnalysisOptions { Provider = "openai", OpenAI = { BaseUrl = "http://localhost:1/v1", ApiKey = apiKey } };
        var unknown = new AnalysisOptions { Provider = "magic" };

        var messages = new[] { missing, noKey, noModel, unknown }
            .Select(o => string.Join(" ", o.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(o)).Select(r => r.ErrorMessage))).ToList();

        Assert.Contains("Analyses:OpenAI:BaseUrl", messages[0]);
        Assert.Contains("Analyses:OpenAI:BaseUrl", messages[1]);
        Assert.Contains("Analyses:OpenAI:Model", messages[2]);
        Assert.Contains("Analyses:Provider", messages[3]);
        Assert.All(messages, m => Assert.DoesNotContain(apiKey, m));
        Assert.Empty(new AnalysisOptions().Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new AnalysisOptions())));
    }

    /// <summary>Every string a report holds under a key that carries secret material (gitleaks, trufflehog, Trivy secrets, SARIF snippets).</summary>
    private static IEnumerable<string> SecretValues(string fixture)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "secret", "offender", "match", "raw", "rawv2", "line", "redacted", "text" };
        var text = ReportFixtures.Text(fixture);
        var documents = fixture.EndsWith(".jsonl", StringComparison.Ordinal)
            ? text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l))
            : [JsonNode.Parse(text)];
        foreach (var document in documents)
        {
            foreach (var value in Walk(document, keys))
            {
                yield return value;
            }
        }
    }

    private static IEnumerable<string> Walk(JsonNode? node, HashSet<string> keys) => node switch
    {
        JsonObject o => o.SelectMany(p => keys.Contains(p.Key) && p.Value is JsonValue v && v.TryGetValue<string>(out var s)
            ? [s.Trim()]
            : Walk(p.Value, keys)),
        JsonArray a => a.SelectMany(n => Walk(n, keys)),
        _ => [],
    };

    private async Task<long> KeyOccurrencesAsync() => await Sql.ScalarAsync<long>(db.ConnectionString, """
        SELECT (SELECT count(*) FROM agent_executions WHERE coalesce(error_message, '') LIKE @k OR coalesce(output::text, '') LIKE @k)
             + (SELECT count(*) FROM ai_analyses WHERE coalesce(input_data::text, '') LIKE @k OR coalesce(output_data::text, '') LIKE @k)
             + (SELECT count(*) FROM audit_logs WHERE coalesce(details::text, '') LIKE @k)
        """, ("k", $"%{apiKey}%"));

    private ServiceProvider Services(bool priced = true, int timeoutSeconds = 30) =>
        TestPostgres.BuildDataServices(db.ConnectionString, services => services.Configure<AnalysisOptions>(o =>
        {
            o.Provider = AnalysisOptions.OpenAi;
            o.OpenAI.BaseUrl = server.BaseUrl;
            o.OpenAI.Model = Model;
            o.OpenAI.ApiKey = apiKey;
            o.OpenAI.TimeoutSeconds = timeoutSeconds;
            if (priced)
            {
                o.Prices["test-model-2026-01-01"] = new ModelPrice { InputPerMillionTokensUsd = 0.15m, OutputPerMillionTokensUsd = 0.60m };
            }
        }));

    private async Task<Guid> ImportAsync(string fixture, string? target = null)
    {
        await using var stream = ReportFixtures.Open(fixture);
        var result = await db.Get<ReportImportService>().ImportAsync(
            new ImportRequest { Report = stream, Target = target ?? $"llm-{Guid.NewGuid():N}", FileName = fixture }, Engineer);
        Assert.True(result.Succeeded, result.Message);
        return result.Value!.ScanId;
    }
}
