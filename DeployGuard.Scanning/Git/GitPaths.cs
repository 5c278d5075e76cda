using System.Text;

namespace DeployGuard.Scanning.Git;

internal static class GitPaths
{
    /// <summary>Undoes git's C-style quoting of unusual paths ("a\tb", octal escapes for bytes).</summary>
    public static string Unquote(string path)
    {
        if (path.Length < 2 || path[0] != '"' || path[^1] != '"')
        {
            return path;
        }

        var bytes = new List<byte>(path.Length);
        for (var i = 1; i < path.Length - 1; i++)
        {
            var c = path[i];
            if (c != '\\' || i + 1 >= path.Length - 1)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }

            var e = path[++i];
            switch (e)
            {
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 't': bytes.Add(9); break;
                case 'n': bytes.Add(10); break;
                case 'v': bytes.Add(11); break;
                case 'f': bytes.Add(12); break;
                case 'r': bytes.Add(13); break;
                case >= '0' and <= '7' when i + 2 < path.Length - 1:
                    bytes.Add((byte)Convert.ToInt32(path.Substring(i, 3), 8));
                    i += 2;
                    break;
                default: bytes.AddRange(Encoding.UTF8.GetBytes(e.ToString())); break;
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public static bool IsZeroId(string oid) => oid.AsSpan().IndexOfAnyExcept('0') < 0;
}
