using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DeployGuard.Scanning.Contracts;

namespace DeployGuard.Cli;

/// <summary>The server answered with an error; the message has the status and the server's explanation.</summary>
internal sealed class ServerException(string message) : Exception(message);

/// <summary>Client of the scanning API (docs/api/scanning.md).</summary>
internal sealed class ServerClient(HttpClient http, Uri server, string? token)
{
    public const string UploadPath = "api/scans/upload";
    public const string FeedbackPath = "api/feedback";

    public static ServerClient Create(string? server, string? token, bool tokenRequired)
    {
        server ??= Environment.GetEnvironmentVariable("DEPLOYGUARD_SERVER");
        token ??= Environment.GetEnvironmentVariable("DEPLOYGUARD_TOKEN");
        if (string.IsNullOrWhiteSpace(server))
        {
            throw new UsageException("--server (or DEPLOYGUARD_SERVER) is required.");
        }

        if (!Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--server '{server}' is not an http(s) URL.");
        }

        if (tokenRequired && string.IsNullOrWhiteSpace(token))
        {
            throw new UsageException("--token (or DEPLOYGUARD_TOKEN) is required.");
        }

        return new ServerClient(new HttpClient { Timeout = TimeSpan.FromMinutes(5) }, uri, token);
    }

    public Task<ScanUploadResponse> UploadAsync(ScanReport report, CancellationToken cancellationToken) =>
        PostAsync(UploadPath, report, ScanningJson.Context.ScanReport, ScanningJson.Context.ScanUploadResponse, cancellationToken);

    public Task<FeedbackResponse> SendFeedbackAsync(FeedbackSubmission submission, CancellationToken cancellationToken) =>
        PostAsync(FeedbackPath, submission, ScanningJson.Context.FeedbackSubmission, ScanningJson.Context.FeedbackResponse, cancellationToken);

    public const string ImportPath = "api/scans/import";
    public const string GatePath = "api/gate";

    /// <summary>POST /api/scans/import: the report file as multipart 'file', with the optional fields; the server detects the format.</summary>
    public async Task<JsonElement> ImportReportAsync(string file, IReadOnlyDictionary<string, string?> fields, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        using var content = new MultipartFormDataContent();
        var part = new StreamContent(stream);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(part, "file", Path.GetFileName(file));
        foreach (var (name, value) in fields)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                content.Add(new StringContent(value), name);
            }
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, ImportPath)) { Content = content };
        return await SendAsync(request, ScanningJson.Context.JsonElement, cancellationToken);
    }

    /// <summary>GET /api/gate: what the environment's security policy decides for the service's commit now.</summary>
    public Task<JsonElement> GateAsync(string service, string environment, string? commit, CancellationToken cancellationToken)
    {
        var query = $"?service={Uri.EscapeDataString(service)}&environment={Uri.EscapeDataString(environment)}" +
                    (string.IsNullOrWhiteSpace(commit) ? "" : $"&commit={Uri.EscapeDataString(commit)}");
        return SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(server, GatePath + query)), ScanningJson.Context.JsonElement, cancellationToken);
    }

    private Task<TResponse> PostAsync<TRequest, TResponse>(string path, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(server, path)) { Content = JsonContent.Create(body, requestType) }, responseType, cancellationToken);

    private async Task<TResponse> SendAsync<TResponse>(HttpRequestMessage owned, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        using var request = owned;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("deployguard", CliApp.Version));
        if (!string.IsNullOrWhiteSpace(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ServerException($"{request.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}{Explain(response.StatusCode, text)}");
        }

        try
        {
            return JsonSerializer.Deserialize(text, responseType)
                   ?? throw new ServerException($"{request.RequestUri} answered with an empty body.");
        }
        catch (JsonException e)
        {
            throw new ServerException($"{request.RequestUri} answered with an unexpected body: {e.Message}");
        }
    }

    // RFC 9457 problem details: title, detail, and validation errors by field.
    private static string Explain(HttpStatusCode status, string body)
    {
        var hint = status == HttpStatusCode.Unauthorized ? " (check --token)" : "";
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var parts = new List<string>();
            if (root.TryGetProperty("title", out var title))
            {
                parts.Add(title.GetString() ?? "");
            }

            if (root.TryGetProperty("detail", out var detail))
            {
                parts.Add(detail.GetString() ?? "");
            }

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                parts.AddRange(errors.EnumerateObject().Select(e => $"{e.Name}: {string.Join(" ", e.Value.EnumerateArray().Select(v => v.GetString()))}"));
            }

            return hint + (parts.Count > 0 ? ": " + string.Join("; ", parts.Where(p => p.Length > 0)) : "");
        }
        catch (JsonException)
        {
            return hint;
        }
    }
}
