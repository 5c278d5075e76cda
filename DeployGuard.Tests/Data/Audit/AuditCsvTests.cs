using System.Text;
using DeployGuard.Data.Services.Audit;

namespace DeployGuard.Tests.Data.Audit;

/// <summary>The CSV format of the export (CsvHelper): RFC 4180 quoting and neutralised spreadsheet formulas.</summary>
public sealed class AuditCsvTests
{
    private static readonly DateTimeOffset Time = new DateTimeOffset(2026, 11, 21, 9, 30, 15, 123, TimeSpan.FromHours(2)).AddTicks(4560);

    [Fact]
    public async Task WriteAsync_NoRows_WritesTheHeaderOfTwelveColumns()
    {
        var output = new MemoryStream();

        var count = await AuditCsv.WriteAsync(output, AsyncRows());

        Assert.Equal(0, count);
        Assert.Equal("id,created_at,user_id,user_name,action,resource_type,resource_id,details,ip_address,user_agent,prev_hash,hash\n",
            Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task WriteAsync_ManyRows_OneLinePerRowInOrderWithoutByteOrderMark()
    {
        var output = new MemoryStream();
        var rows = Enumerable.Range(1, 5000).Select(i => Row() with { Id = i }).ToArray();

        var count = await AuditCsv.WriteAsync(output, AsyncRows(rows));

        var bytes = output.ToArray();
        Assert.Equal(5000, count);
        Assert.NotEqual(0xEF, bytes[0]);
        var lines = Encoding.UTF8.GetString(bytes).TrimEnd('\n').Split('\n');
        Assert.Equal(5001, lines.Length);
        Assert.Equal(Enumerable.Range(1, 5000).Select(i => i.ToString()), lines.Skip(1).Select(l => l[..l.IndexOf(',')]));
    }

    [Fact]
    public void WriteAsync_PlainValues_WritesThemUnquotedWithUtcTime()
    {
        var line = Write(Row(userName: "alice", details: "1"));

        Assert.Equal("42,2026-11-21T07:30:15.123456Z,u1,alice,team.created,team,r1,1,127.0.0.1,curl/8,,abc\n", line);
    }

    [Theory]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("cr\rhere", "\"cr\rhere\"")]
    [InlineData("{\"name\":\"x\",\"n\":1}", "\"{\"\"name\"\":\"\"x\"\",\"\"n\"\":1}\"")]
    public void WriteAsync_SeparatorsQuotesAndNewlines_AreQuoted(string value, string expected)
    {
        var fields = Parse(Write(Row(userName: value)));

        Assert.Equal(value, fields[3]);
        Assert.Contains("," + expected + ",", Write(Row(userName: value)));
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil\")")]
    [InlineData("+1+2")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1)")]
    [InlineData("\t=1")]
    [InlineData("\r=1")]
    public void WriteAsync_FormulaLikeValue_IsPrefixedWithApostrophe(string value)
    {
        var fields = Parse(Write(Row(userName: value)));

        Assert.Equal("'" + value, fields[3]);
    }

    [Fact]
    public void WriteAsync_NullValues_AreEmptyFields()
    {
        var fields = Parse(Write(new AuditRow(7, Time, null, null, "auth.sign_in_failed", "user", null, "{}", null, null, "", "h")));

        Assert.Equal(12, fields.Count);
        Assert.Equal(["", "", ""], new[] { fields[2], fields[3], fields[6] });
    }

    private static AuditRow Row(string? userName = "alice", string details = "{}") =>
        new(42, Time, "u1", userName, "team.created", "team", "r1", details, "127.0.0.1", "curl/8", "", "abc");

    /// <summary>The record written for <paramref name="row"/> (the line after the header).</summary>
    private static string Write(AuditRow row)
    {
        var output = new MemoryStream();
        AuditCsv.WriteAsync(output, AsyncRows(row)).GetAwaiter().GetResult();
        var text = Encoding.UTF8.GetString(output.ToArray());
        return text[(text.IndexOf('\n') + 1)..];
    }

    private static async IAsyncEnumerable<AuditRow> AsyncRows(params AuditRow[] rows)
    {
        foreach (var row in rows)
        {
            await Task.Yield();
            yield return row;
        }
    }

    /// <summary>A strict RFC 4180 reader for one record.</summary>
    internal static List<string> Parse(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                break;
            }
            else
            {
                Assert.NotEqual('"', c); // a bare quote inside an unquoted field is malformed
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
