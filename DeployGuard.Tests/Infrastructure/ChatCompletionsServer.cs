using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>One request the server received: the raw body and the Authorization header.</summary>
public sealed record ChatRequest(string Body, string? Authorization, string Path)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// A real HTTP server on loopback (Kestrel, port chosen by the OS) speaking OpenAI's chat-completions protocol:
/// <c>POST {base}/chat/completions</c> answered with a chat.completion object and its usage. What it answers is set per
/// test (<see cref="Respond"/>); every request it got is kept in <see cref="Received"/>.
/// </summary>
public sealed class ChatCompletionsServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private ChatCompletionsServer(WebApplication app) => this.app = app;

    public ConcurrentQueue<ChatRequest> Received { get; } = new();

    /// <summary>What to answer; default: an empty JSON object with 10/5 tokens.</summary>
    public Func<ChatRequest, HttpContext, Task> Respond { get; set; } = (_, http) => AnswerAsync(http, "{}", 10, 5);

    /// <summary>The base URL to configure (…/v1).</summary>
    public string BaseUrl { get; private set; } = "";

    public static async Task<ChatCompletionsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ChatCompletionsServer(app);
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var request = new ChatRequest(await reader.ReadToEndAsync(http.RequestAborted), http.Request.Headers.Authorization.ToString(), http.Request.Path);
            server.Received.Enqueue(request);
            await server.Respond(request, http);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = address.TrimEnd('/') + "/v1";
        return server;
    }

    /// <summary>A chat.completion as OpenAI sends it.</summary>
    public static async Task AnswerAsync(HttpContext http, string content, int promptTokens, int completionTokens, string model = "test-model-2026-01-01")
    {
        var body = new JsonObject
        {
            ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = null },
                ["logprobs"] = null,
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
            ["system_fingerprint"] = "fp_test",
        };
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted);
    }

    /// <summary>An error as OpenAI sends one.</summary>
    public static async Task ErrorAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var body = new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "server_error", ["code"] = null } };
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted);
    }

    /// <summary>Never answers: holds the request until the client gives up.</summary>
    public static async Task HangAsync(HttpContext http)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
