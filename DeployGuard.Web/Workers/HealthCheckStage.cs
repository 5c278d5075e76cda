using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Deployments;

namespace DeployGuard.Web.Workers;

/// <summary>
/// Probes a URL (HTTP GET, or a TCP connect) until it answers as expected or the attempts run out, storing every attempt.
/// <c>${DG_...}</c> in the URL is replaced with the deployment's variables (e.g. ${DG_DEPLOYED_URL}).
/// </summary>
internal sealed partial class HealthCheckStage(IHttpClientFactory httpClients, DeploymentEngine engine, TimeProvider clock)
{
    public const string HttpClientName = "deployguard-health";

    [GeneratedRegex(@"\$\{(DG_[A-Z_]+)\}")]
    private static partial Regex Variable();

    public async Task<StageOutcome> RunAsync(ClaimedStage stage, StageLogWriter log, CancellationToken cancel)
    {
        var definition = stage.Definition;
        var variables = stage.Context.Variables(stage.Name);
        var url = Variable().Replace(definition.Url ?? "", m => variables.GetValueOrDefault(m.Groups[1].Value, ""));
        var type = definition.CheckType ?? HealthCheckType.Http;
        var attempts = Math.Max(1, definition.Attempts ?? 5);
        var interval = TimeSpan.FromSeconds(definition.IntervalSeconds ?? 2);
        var timeout = TimeSpan.FromSeconds(definition.TimeoutSeconds ?? 5);
        string? lastProblem = null;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            cancel.ThrowIfCancellationRequested();
            var result = type == HealthCheckType.Tcp
                ? await ProbeTcpAsync(url, timeout, cancel)
                : await ProbeHttpAsync(url, definition.ExpectStatus, definition.ExpectBody, timeout, cancel);
            await engine.RecordHealthCheckAsync(new HealthCheckAttempt
            {
                DeploymentId = stage.DeploymentId, StageId = stage.StageId, CheckType = type, Url = url.Length > 500 ? url[..500] : url,
                StatusCode = result.Status, LatencyMs = result.LatencyMs, Healthy = result.Healthy, BodyExcerpt = result.Body, Attempt = attempt,
                MaxAttempts = attempts, Error = result.Error, CheckedAt = clock.GetUtcNow(),
            }, CancellationToken.None);
            if (result.Healthy)
            {
                return StageOutcome.Succeeded();
            }

            lastProblem = result.Error ?? (result.Status is { } s ? $"status {s}" : "no answer");
            if (attempt < attempts)
            {
                // The spacing between probes is the check's own setting, not a test sleep.
                await Task.Delay(interval, clock, cancel);
            }
        }

        await log.WriteAsync(DeploymentLogLevel.Error, "health_check_failed", $"{url} is not healthy after {Text.Count(attempts, "attempt")}: {lastProblem}");
        return StageOutcome.Failed($"{url} is not healthy after {Text.Count(attempts, "attempt")}; last: {lastProblem}.");
    }

    private async Task<Probe> ProbeHttpAsync(string url, int? expectStatus, string? expectBody, TimeSpan timeout, CancellationToken cancel)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return new Probe(false, null, null, null, $"'{url}' is not an http(s) URL");
        }

        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        attemptTimeout.CancelAfter(timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, attemptTimeout.Token);
            var body = await ReadExcerptAsync(response, attemptTimeout.Token);
            var latency = (int)watch.ElapsedMilliseconds;
            var status = (int)response.StatusCode;
            var statusOk = expectStatus is { } expected ? status == expected : status is >= 200 and < 300;
            var bodyOk = expectBody is null || body.Contains(expectBody, StringComparison.Ordinal);
            var error = !statusOk ? $"expected status {expectStatus?.ToString() ?? "2xx"}, got {status}"
                : !bodyOk ? $"the body does not contain '{expectBody}'" : null;
            return new Probe(statusOk && bodyOk, status, latency, body, error);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return new Probe(false, null, (int)watch.ElapsedMilliseconds, null, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return new Probe(false, null, (int)watch.ElapsedMilliseconds, null, Shorten(ex.Message));
        }
    }

    private static async Task<Probe> ProbeTcpAsync(string target, TimeSpan timeout, CancellationToken cancel)
    {
        var colon = target.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(target[(colon + 1)..], out var port))
        {
            return new Probe(false, null, null, null, $"'{target}' is not host:port");
        }

        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        attemptTimeout.CancelAfter(timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(target[..colon].Trim('[', ']'), port, attemptTimeout.Token);
            return new Probe(true, null, (int)watch.ElapsedMilliseconds, null, null);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return new Probe(false, null, (int)watch.ElapsedMilliseconds, null, $"no connection within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            return new Probe(false, null, (int)watch.ElapsedMilliseconds, null, Shorten(ex.Message));
        }
    }

    private static async Task<string> ReadExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[500];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), ct) is var n and > 0)
        {
            read += n;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] : text;

    private sealed record Probe(bool Healthy, int? Status, int? LatencyMs, string? Body, string? Error);
}
