using System.Buffers;
using System.Text;
using System.Text.Json;
using DeployGuard.Web.Endpoints;
using Microsoft.Extensions.Primitives;

namespace DeployGuard.Web.Security;

/// <summary>
/// One guard for text PostgreSQL refuses: NUL (U+0000, "invalid byte sequence for encoding UTF8: 0x00") and unpaired
/// UTF-16 surrogates (not encodable as UTF-8). It checks the decoded path, every query string value, every form field
/// and every string (and property name) of a JSON body before any endpoint runs, and answers 400 naming the field, so
/// no service ever sends such text to the database. The request body is buffered for the check and rewound.
/// </summary>
internal sealed class TextInputGuard(RequestDelegate next)
{
    /// <summary>Bodies larger than this are not inspected here (the database-error mapping in ApiProblems still answers 400).</summary>
    private const long MaxInspectedBody = 32 * 1024 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var problem = Check("path", request.Path.Value)
                      ?? FirstProblem(request.Query.Select(q => (q.Key, q.Value)), "query parameter");
        if (problem is null && request.HasFormContentType)
        {
            problem = await CheckFormAsync(request, context.RequestAborted);
        }
        else if (problem is null && IsJson(request) && (request.ContentLength ?? 0) <= MaxInspectedBody)
        {
            problem = await CheckJsonBodyAsync(request, context.RequestAborted);
        }

        if (problem is null)
        {
            await next(context);
            return;
        }

        await RejectAsync(context, problem.Value);
    }

    /// <summary>Errors from PostgreSQL or Npgsql that mean "this text cannot be stored", for the API's error mapping.</summary>
    public static bool IsUnstorableText(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.PostgresException { SqlState: "22021" or "22P05" } or EncoderFallbackException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why <paramref name="value"/> cannot be stored, or null when it can.</summary>
    public static string? Problem(string? value)
    {
        if (value is null)
        {
            return null;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return "contains a NUL character (U+0000), which cannot be stored";
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"contains an unpaired surrogate (U+{(int)c:X4}), which is not valid Unicode text";
            }
        }

        return null;
    }

    private static (string Field, string Message)? Check(string field, string? value) =>
        Problem(value) is { } message ? (field, message) : null;

    private static (string Field, string Message)? FirstProblem(IEnumerable<(string Key, StringValues Values)> pairs, string kind)
    {
        foreach (var (key, values) in pairs)
        {
            if (Problem(key) is { } keyProblem)
            {
                return ($"{kind} name", keyProblem);
            }

            foreach (var value in values)
            {
                if (Problem(value) is { } message)
                {
                    return (key, message);
                }
            }
        }

        return null;
    }

    private static async Task<(string Field, string Message)?> CheckFormAsync(HttpRequest request, CancellationToken ct)
    {
        var urlEncoded = !request.ContentType!.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase);
        if (urlEncoded)
        {
            request.EnableBuffering();
        }

        try
        {
            var form = await request.ReadFormAsync(ct);
            return FirstProblem(form.Select(f => (f.Key, f.Value)), "form field")
                   ?? form.Files.Select(f => Check("form field", f.Name) ?? Check("file name", f.FileName)).FirstOrDefault(p => p is not null);
        }
        catch (InvalidDataException) when (urlEncoded)
        {
            // The form reader refuses %00 without saying where: find the field ourselves.
            request.Body.Position = 0;
            using var reader = new StreamReader(request.Body, Encoding.UTF8, leaveOpen: true);
            var body = await reader.ReadToEndAsync(ct);
            foreach (var pair in body.Split('&'))
            {
                var parts = pair.Split('=', 2);
                var key = Uri.UnescapeDataString(parts[0].Replace('+', ' '));
                var value = parts.Length > 1 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : "";
                if ((Problem(key) ?? Problem(value)) is { } message)
                {
                    return (Problem(key) is null ? key : "form field name", message);
                }
            }

            return ("form", "cannot be read");
        }
        catch (InvalidDataException)
        {
            return ("form", "cannot be read");
        }
    }

    private static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
                                            || type.Contains("+json", StringComparison.OrdinalIgnoreCase));

    private static async Task<(string Field, string Message)?> CheckJsonBodyAsync(HttpRequest request, CancellationToken ct)
    {
        request.EnableBuffering();
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        request.Body.Position = 0;
        if (buffer.Length > MaxInspectedBody)
        {
            return null;
        }

        return CheckJson(new ReadOnlySequence<byte>(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Walks the JSON and returns the path of the first string that cannot be stored; malformed JSON is left to the endpoint.</summary>
    internal static (string Field, string Message)? CheckJson(ReadOnlySequence<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        // One entry per open container: the current property name (objects) or the next index (arrays).
        var path = new List<(string? Property, int Index)>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        Advance(path);
                        path.Add((null, reader.TokenType == JsonTokenType.StartArray ? 0 : -1));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = ReadString(ref reader, out var nameProblem);
                        path[^1] = (name ?? "?", -1);
                        if (nameProblem is not null)
                        {
                            return (PathOf(path), "the property name " + nameProblem);
                        }

                        break;
                    case JsonTokenType.String:
                        Advance(path);
                        ReadString(ref reader, out var problem);
                        if (problem is not null)
                        {
                            return (PathOf(path), problem);
                        }

                        break;
                    default:
                        Advance(path);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the endpoint's binder says so, with the position.
        }

        return null;
    }

    private static string? ReadString(ref Utf8JsonReader reader, out string? problem)
    {
        problem = null;
        if (!reader.ValueIsEscaped)
        {
            return reader.GetString(); // Unescaped UTF-8 cannot hold NUL (control characters must be escaped) or surrogates.
        }

        try
        {
            var value = reader.GetString();
            problem = Problem(value);
            return value;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses "\uD800" without its pair.
            problem = "contains an unpaired surrogate escape, which is not valid Unicode text";
            return null;
        }
    }

    /// <summary>A value inside an array moves the array's index on; inside an object the property name already says where.</summary>
    private static void Advance(List<(string? Property, int Index)> path)
    {
        if (path.Count > 0 && path[^1].Property is null && path[^1].Index >= 0)
        {
            path[^1] = (null, path[^1].Index + 1);
        }
    }

    private static string PathOf(List<(string? Property, int Index)> path)
    {
        var text = new StringBuilder();
        foreach (var (property, index) in path)
        {
            if (property is not null)
            {
                text.Append(text.Length > 0 ? "." : "").Append(property);
            }
            else if (index > 0)
            {
                text.Append('[').Append(index - 1).Append(']');
            }
        }

        return text.ToString();
    }

    private static async Task RejectAsync(HttpContext context, (string Field, string Message) problem)
    {
        var message = $"'{problem.Field}' {problem.Message}.";
        if (ApiProblems.IsApi(context))
        {
            var result = TypedResults.ValidationProblem(new Dictionary<string, string[]> { [problem.Field] = [message] },
                title: "The request contains text that cannot be stored.");
            await result.ExecuteAsync(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync($"Bad request: {message}\n", context.RequestAborted);
    }
}
