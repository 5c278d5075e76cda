using System.Globalization;
using System.Text;

namespace DeployGuard.Scanning.Configuration;

/// <summary>
/// The subset of TOML 1.0 that gitleaks configurations use: tables, arrays of tables (with sub-tables
/// such as <c>[rules.allowlist]</c> attached to the last element), dotted keys, the four string forms,
/// integers, floats, booleans, arrays and inline tables. Dates are not supported (gitleaks has none).
/// Tables are <see cref="Dictionary{TKey,TValue}"/>, arrays are <see cref="List{T}"/> of object.
/// </summary>
internal sealed class TomlParser
{
    private readonly string _text;
    private int _pos;
    private int _line = 1;

    private TomlParser(string text) => _text = text.Replace("\r\n", "\n", StringComparison.Ordinal);

    public static Dictionary<string, object> Parse(string text) => new TomlParser(text).ParseDocument();

    private Dictionary<string, object> ParseDocument()
    {
        var root = new Dictionary<string, object>(StringComparer.Ordinal);
        var current = root;
        while (true)
        {
            SkipWhitespaceCommentsAndNewlines();
            if (_pos >= _text.Length)
            {
                return root;
            }

            if (Peek() == '[')
            {
                var isArray = _pos + 1 < _text.Length && _text[_pos + 1] == '[';
                _pos += isArray ? 2 : 1;
                SkipSpaces();
                var path = ParseKeyPath();
                SkipSpaces();
                Expect(']');
                if (isArray)
                {
                    Expect(']');
                }

                current = isArray ? AppendTableArray(root, path) : OpenTable(root, path);
                ExpectLineEnd();
                continue;
            }

            var keys = ParseKeyPath();
            SkipSpaces();
            Expect('=');
            SkipSpaces();
            var value = ParseValue();
            var target = current;
            for (var i = 0; i < keys.Count - 1; i++)
            {
                target = ChildTable(target, keys[i]);
            }

            if (!target.TryAdd(keys[^1], value))
            {
                throw Error($"key '{string.Join('.', keys)}' is defined twice");
            }

            ExpectLineEnd();
        }
    }

    private Dictionary<string, object> OpenTable(Dictionary<string, object> root, List<string> path)
    {
        var table = root;
        foreach (var key in path)
        {
            table = ChildTable(table, key);
        }

        return table;
    }

    private Dictionary<string, object> AppendTableArray(Dictionary<string, object> root, List<string> path)
    {
        var parent = root;
        for (var i = 0; i < path.Count - 1; i++)
        {
            parent = ChildTable(parent, path[i]);
        }

        if (!parent.TryGetValue(path[^1], out var existing))
        {
            existing = new List<object>();
            parent[path[^1]] = existing;
        }

        if (existing is not List<object> list)
        {
            throw Error($"'{string.Join('.', path)}' is not an array of tables");
        }

        var table = new Dictionary<string, object>(StringComparer.Ordinal);
        list.Add(table);
        return table;
    }

    // A key inside a header path resolves to the last element when it names an array of tables.
    private Dictionary<string, object> ChildTable(Dictionary<string, object> table, string key)
    {
        if (!table.TryGetValue(key, out var child))
        {
            var created = new Dictionary<string, object>(StringComparer.Ordinal);
            table[key] = created;
            return created;
        }

        return child switch
        {
            Dictionary<string, object> d => d,
            List<object> { Count: > 0 } l when l[^1] is Dictionary<string, object> last => last,
            _ => throw Error($"'{key}' is a value, not a table"),
        };
    }

    private List<string> ParseKeyPath()
    {
        var keys = new List<string>();
        while (true)
        {
            SkipSpaces();
            keys.Add(Peek() switch
            {
                '"' => ParseBasicString(),
                '\'' => ParseLiteralString(),
                _ => ParseBareKey(),
            });
            SkipSpaces();
            if (Peek() != '.')
            {
                return keys;
            }

            _pos++;
        }
    }

    private string ParseBareKey()
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] is '_' or '-'))
        {
            _pos++;
        }

        return _pos > start ? _text[start.._pos] : throw Error("expected a key");
    }

    private object ParseValue()
    {
        var c = Peek();
        if (c == '"')
        {
            return StartsWith("\"\"\"") ? ParseMultilineBasicString() : ParseBasicString();
        }

        if (c == '\'')
        {
            return StartsWith("'''") ? ParseMultilineLiteralString() : ParseLiteralString();
        }

        if (c == '[')
        {
            return ParseArray();
        }

        if (c == '{')
        {
            return ParseInlineTable();
        }

        if (StartsWith("true"))
        {
            _pos += 4;
            return true;
        }

        if (StartsWith("false"))
        {
            _pos += 5;
            return false;
        }

        return ParseNumber();
    }

    private object ParseNumber()
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] is '+' or '-' or '.' or '_'))
        {
            _pos++;
        }

        var token = _text[start.._pos].Replace("_", "", StringComparison.Ordinal);
        if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return real;
        }

        throw Error(token.Length == 0 ? "expected a value" : $"'{token}' is not a supported value");
    }

    private List<object> ParseArray()
    {
        Expect('[');
        var items = new List<object>();
        while (true)
        {
            SkipWhitespaceCommentsAndNewlines();
            if (Peek() == ']')
            {
                _pos++;
                return items;
            }

            items.Add(ParseValue());
            SkipWhitespaceCommentsAndNewlines();
            if (Peek() == ',')
            {
                _pos++;
            }
            else if (Peek() != ']')
            {
                throw Error("expected ',' or ']' in array");
            }
        }
    }

    private Dictionary<string, object> ParseInlineTable()
    {
        Expect('{');
        var table = new Dictionary<string, object>(StringComparer.Ordinal);
        SkipSpaces();
        if (Peek() == '}')
        {
            _pos++;
            return table;
        }

        while (true)
        {
            var keys = ParseKeyPath();
            SkipSpaces();
            Expect('=');
            SkipSpaces();
            var target = table;
            for (var i = 0; i < keys.Count - 1; i++)
            {
                target = ChildTable(target, keys[i]);
            }

            target[keys[^1]] = ParseValue();
            SkipSpaces();
            if (Peek() == '}')
            {
                _pos++;
                return table;
            }

            Expect(',');
            SkipSpaces();
        }
    }

    private string ParseBasicString()
    {
        Expect('"');
        var builder = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] == '\n')
            {
                throw Error("unterminated string");
            }

            var c = _text[_pos++];
            if (c == '"')
            {
                return builder.ToString();
            }

            if (c == '\\')
            {
                AppendEscape(builder);
            }
            else
            {
                builder.Append(c);
            }
        }
    }

    private string ParseMultilineBasicString()
    {
        _pos += 3;
        SkipOneNewline();
        var builder = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Error("unterminated multi-line string");
            }

            if (StartsWith("\"\"\"") && !StartsWith("\"\"\"\""))
            {
                _pos += 3;
                return builder.ToString();
            }

            var c = _text[_pos++];
            if (c == '\n')
            {
                _line++;
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            // A backslash at the end of a line trims the line break and the following whitespace.
            var look = _pos;
            while (look < _text.Length && _text[look] is ' ' or '\t')
            {
                look++;
            }

            if (look < _text.Length && _text[look] == '\n')
            {
                _pos = look;
                while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
                {
                    _line += _text[_pos] == '\n' ? 1 : 0;
                    _pos++;
                }

                continue;
            }

            AppendEscape(builder);
        }
    }

    private string ParseLiteralString()
    {
        Expect('\'');
        var end = _text.IndexOf('\'', _pos);
        var newline = _text.IndexOf('\n', _pos);
        if (end < 0 || (newline >= 0 && newline < end))
        {
            throw Error("unterminated literal string");
        }

        var value = _text[_pos..end];
        _pos = end + 1;
        return value;
    }

    private string ParseMultilineLiteralString()
    {
        _pos += 3;
        SkipOneNewline();
        var end = _text.IndexOf("'''", _pos, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Error("unterminated multi-line literal string");
        }

        // Up to two quotes may sit right before the closing delimiter.
        while (end + 3 < _text.Length && _text[end + 3] == '\'')
        {
            end++;
        }

        var value = _text[_pos..end];
        _line += value.Count(c => c == '\n');
        _pos = end + 3;
        return value;
    }

    private void AppendEscape(StringBuilder builder)
    {
        if (_pos >= _text.Length)
        {
            throw Error("unterminated escape");
        }

        var e = _text[_pos++];
        switch (e)
        {
            case 'b': builder.Append('\b'); break;
            case 't': builder.Append('\t'); break;
            case 'n': builder.Append('\n'); break;
            case 'f': builder.Append('\f'); break;
            case 'r': builder.Append('\r'); break;
            case 'e': builder.Append('\u001b'); break;
            case '"': builder.Append('"'); break;
            case '\\': builder.Append('\\'); break;
            case 'u': builder.Append(ParseUnicode(4)); break;
            case 'U': builder.Append(ParseUnicode(8)); break;
            default: throw Error($"invalid escape '\\{e}' (use a literal string '...' for regexes)");
        }
    }

    private string ParseUnicode(int digits)
    {
        if (_pos + digits > _text.Length
            || !int.TryParse(_text.AsSpan(_pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
        {
            throw Error("invalid unicode escape");
        }

        _pos += digits;
        return char.ConvertFromUtf32(code);
    }

    private void SkipOneNewline()
    {
        if (Peek() == '\n')
        {
            _pos++;
            _line++;
        }
    }

    private void SkipSpaces()
    {
        while (_pos < _text.Length && _text[_pos] is ' ' or '\t')
        {
            _pos++;
        }
    }

    private void SkipWhitespaceCommentsAndNewlines()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c is ' ' or '\t' or '\r')
            {
                _pos++;
            }
            else if (c == '\n')
            {
                _pos++;
                _line++;
            }
            else if (c == '#')
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private void ExpectLineEnd()
    {
        SkipSpaces();
        if (Peek() == '#')
        {
            while (_pos < _text.Length && _text[_pos] != '\n')
            {
                _pos++;
            }
        }

        if (_pos < _text.Length && _text[_pos] != '\n')
        {
            throw Error($"unexpected '{_text[_pos]}' after value");
        }
    }

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw Error($"expected '{c}'");
        }

        _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private bool StartsWith(string s) => string.CompareOrdinal(_text, _pos, s, 0, s.Length) == 0;

    private FormatException Error(string message) => new($"TOML line {_line}: {message}.");
}
