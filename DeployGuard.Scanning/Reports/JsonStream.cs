using System.Text;
using System.Text.Json;

namespace DeployGuard.Scanning.Reports;

/// <summary>
/// A forward-only JSON reader over a stream that holds at most one value in memory at a time. A report parser
/// walks the outer structure token by token and takes each result as its own small <see cref="JsonDocument"/>,
/// so a 100 MB report never becomes one 100 MB document.
/// </summary>
/// <remarks>
/// <see cref="Utf8JsonReader"/> is a ref struct and cannot live across reads, so each step builds one over the
/// buffered bytes from the saved <see cref="JsonReaderState"/>; when the buffer runs out mid-token the step is
/// abandoned, the buffer refilled (and grown when one value is larger than it), and the step retried.
/// </remarks>
internal sealed class JsonStream
{
    private const int InitialBuffer = 64 * 1024;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private readonly Stream _stream;
    private readonly long _maxBytes;
    private string _format;
    private JsonReaderOptions _options;
    private byte[] _buffer = new byte[InitialBuffer];
    private int _start;
    private int _end;
    private bool _final;
    private long _bytesRead;
    private JsonReaderState _state;

    public JsonStream(Stream stream, string format, long maxBytes, bool multipleValues = false)
    {
        _stream = stream;
        _format = format;
        _maxBytes = maxBytes;
        _options = new JsonReaderOptions { AllowMultipleValues = multipleValues, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };
        _state = new JsonReaderState(_options);
    }

    /// <summary>
    /// Names the format for error messages once it is known, and allows several top-level values (JSON lines).
    /// Only before the first token is read: the peeked bytes stay buffered.
    /// </summary>
    public JsonStream Configure(string format, bool multipleValues)
    {
        _format = format;
        _options = new JsonReaderOptions { AllowMultipleValues = multipleValues, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };
        _state = new JsonReaderState(_options);
        return this;
    }

    /// <summary>The current token after <see cref="Read"/>.</summary>
    public JsonTokenType TokenType { get; private set; } = JsonTokenType.None;

    /// <summary>The current property name or string value (after <see cref="Read"/>), else null.</summary>
    public string? Text { get; private set; }

    /// <summary>Where in the report the parser is, for error messages (set by the parser: "Results[3]").</summary>
    public string Path { get; set; } = "$";

    /// <summary>Bytes of the report read from the stream so far.</summary>
    public long BytesRead => _bytesRead;

    /// <summary>
    /// The first bytes of the stream without consuming them, at least <paramref name="count"/> unless the stream
    /// is shorter; a leading UTF-8 byte order mark is dropped.
    /// </summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        while (_end - _start < count && !_final)
        {
            Fill();
        }

        if (_bytesRead >= 3 && _start == 0 && _buffer.AsSpan(0, 3).SequenceEqual(Utf8Bom))
        {
            _start = 3;
        }

        return _buffer.AsSpan(_start, _end - _start);
    }

    public bool IsComplete => _final && _start >= _end;

    /// <summary>Advances one token; false at the end of the data.</summary>
    public bool Read()
    {
        while (true)
        {
            var reader = Reader();
            bool read;
            try
            {
                read = reader.Read();
            }
            catch (JsonException e)
            {
                throw Invalid(e);
            }

            if (read)
            {
                TokenType = reader.TokenType;
                Text = reader.TokenType switch
                {
                    JsonTokenType.PropertyName or JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                    _ => null,
                };
                Commit(ref reader);
                return true;
            }

            if (_final)
            {
                Commit(ref reader);
                TokenType = JsonTokenType.None;
                Text = null;
                return false;
            }

            Fill();
        }
    }

    /// <summary>Skips the value of the current property, or the rest of the current object or array.</summary>
    public void Skip()
    {
        while (true)
        {
            var reader = Reader();
            bool skipped;
            try
            {
                skipped = reader.TrySkip();
            }
            catch (JsonException e)
            {
                throw Invalid(e);
            }

            if (skipped)
            {
                TokenType = reader.TokenType;
                Text = null;
                Commit(ref reader);
                return;
            }

            if (_final)
            {
                throw Truncated();
            }

            Fill();
        }
    }

    /// <summary>
    /// Parses the next value as a document: the value of the current property, or the next element when the
    /// current token is an array start or the previous element. Null at the end of the array.
    /// </summary>
    public JsonDocument? ReadValue()
    {
        var propertyValue = TokenType == JsonTokenType.PropertyName;
        while (true)
        {
            var reader = Reader();
            try
            {
                if (!propertyValue)
                {
                    // Move onto the element's first token inside this buffer, so its bytes can be copied out.
                    if (!reader.Read())
                    {
                        if (_final)
                        {
                            if (_options.AllowMultipleValues)
                            {
                                Commit(ref reader);
                                TokenType = JsonTokenType.None;
                                return null;
                            }

                            throw Truncated();
                        }

                        Fill();
                        continue;
                    }

                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        TokenType = JsonTokenType.EndArray;
                        Text = null;
                        Commit(ref reader);
                        return null;
                    }
                }

                if (JsonDocument.TryParseValue(ref reader, out var document))
                {
                    TokenType = reader.TokenType;
                    Text = null;
                    Commit(ref reader);
                    return document;
                }
            }
            catch (JsonException e)
            {
                throw Invalid(e);
            }

            if (_final)
            {
                throw Truncated();
            }

            Fill();
        }
    }

    /// <summary>Expects the current token to be an array start (or null, for "no results"): false for null.</summary>
    public bool ExpectArrayOrNull(string what)
    {
        if (!Read())
        {
            throw Truncated();
        }

        return TokenType switch
        {
            JsonTokenType.StartArray => true,
            JsonTokenType.Null => false,
            _ => throw Error($"{what} should be an array but is {Describe(TokenType)}."),
        };
    }

    public ReportFormatException Error(string message) => new(_format, Path, null, message);

    private Utf8JsonReader Reader() => new(_buffer.AsSpan(_start, _end - _start), _final, _state);

    private void Commit(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    private void Fill()
    {
        if (_end - _start == _buffer.Length && _buffer.AsSpan(_start, _end - _start).IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            // A buffer full of whitespace between tokens: drop it instead of growing (line numbers after it are off).
            _start = _end;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // One value is larger than the buffer: grow it (the size limit below bounds this).
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _final = true;
            return;
        }

        _end += read;
        _bytesRead += read;
        if (_bytesRead > _maxBytes)
        {
            throw new ReportFormatException(_format, Path, null,
                $"The report is larger than {_maxBytes / (1024 * 1024)} MB; split it (for example one report per image) or raise Scanning:MaxReportBytes.");
        }
    }

    private ReportFormatException Invalid(JsonException e)
    {
        var line = e.LineNumber is { } l ? l + 1 : (long?)null;
        var column = e.BytePositionInLine is { } c ? c + 1 : (long?)null;
        var truncated = _final && (e.Message.Contains("end of data", StringComparison.OrdinalIgnoreCase)
                                   || e.Message.Contains("depth to be zero", StringComparison.OrdinalIgnoreCase));
        var what = truncated ? "ends in the middle of a value (truncated?)" : "is not valid JSON";
        return new ReportFormatException(_format, Path, line,
            $"The report {what} at line {line}, byte {column}: {FirstSentence(e.Message)}");
    }

    private ReportFormatException Truncated() =>
        new(_format, Path, null, $"The report ends early (truncated?) after {_bytesRead:N0} bytes, inside {Path}.");

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }

    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 40)]);
        return new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
    }
}
