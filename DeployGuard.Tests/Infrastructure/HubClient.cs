using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace DeployGuard.Tests.Infrastructure;

/// <summary>
/// A minimal SignalR client (JSON hub protocol over a WebSocket, negotiation skipped). The feed here lacks
/// Microsoft.AspNetCore.Http.Connections.Client, which the official client needs; the wire protocol is small.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    private const char Separator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _calls = new();
    private readonly ConcurrentDictionary<string, Action<JsonElement>> _handlers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task _receive = Task.CompletedTask;
    private int _nextId;

    public HttpStatusCode? HandshakeStatus => _socket.HttpStatusCode;

    public void On(string target, Action<JsonElement> handler) => _handlers[target] = handler;

    public async Task ConnectAsync(string baseUrl, CookieContainer? cookies, CancellationToken ct = default)
    {
        _socket.Options.CollectHttpResponseDetails = true;
        if (cookies is not null)
        {
            _socket.Options.Cookies = cookies;
        }

        var uri = new Uri(baseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/hubs/deployments");
        await _socket.ConnectAsync(uri, ct);
        await SendAsync("{\"protocol\":\"json\",\"version\":1}", ct);
        var handshake = await ReceiveMessagesAsync(ct);
        if (handshake.Count == 0 || handshake[0] != "{}")
        {
            throw new InvalidOperationException($"Hub handshake failed: {string.Join(" ", handshake)}");
        }

        _receive = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Invokes a hub method; throws with the hub's error message when it fails.</summary>
    public async Task InvokeAsync(string target, params object[] arguments)
    {
        var id = Interlocked.Increment(ref _nextId).ToString();
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[id] = completion;
        await SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = id, target, arguments }), _stop.Token);
        var result = await completion.Task.WaitAsync(TimeSpan.FromSeconds(15));
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException(error.GetString());
        }
    }

    private async Task SendAsync(string json, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(json + Separator), WebSocketMessageType.Text, true, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private readonly StringBuilder _pending = new();

    private async Task<List<string>> ReceiveMessagesAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return [];
            }

            _pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            if (!result.EndOfMessage)
            {
                continue;
            }

            var text = _pending.ToString();
            var last = text.LastIndexOf(Separator);
            if (last < 0)
            {
                continue;
            }

            _pending.Clear().Append(text[(last + 1)..]);
            return text[..last].Split(Separator).Where(m => m.Length > 0).ToList();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var messages = await ReceiveMessagesAsync(_stop.Token);
                if (messages.Count == 0 && _socket.State != WebSocketState.Open)
                {
                    return;
                }

                foreach (var message in messages)
                {
                    using var document = JsonDocument.Parse(message);
                    var root = document.RootElement.Clone();
                    switch (root.GetProperty("type").GetInt32())
                    {
                        case 1 when _handlers.TryGetValue(root.GetProperty("target").GetString()!, out var handler):
                            handler(root.GetProperty("arguments")[0]);
                            break;
                        case 3 when _calls.TryRemove(root.GetProperty("invocationId").GetString()!, out var call):
                            call.TrySetResult(root);
                            break;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // Already gone.
        }

        await _receive;
        _socket.Dispose();
    }
}
