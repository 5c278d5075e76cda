using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DeployGuard.Tests.Scanning.Support;

namespace DeployGuard.Bench.Corpus;

/// <summary>
/// Writes a benchmark corpus: <c>tree/</c> (N MB of source-like files), <c>repo/</c> (a git history of M
/// commits built with fast-import), and <c>manifest.json</c> listing every planted secret and decoy by file
/// and line range. Files only grow by appending, so a planted line keeps its number in every revision.
/// Usage: CorpusGenerator OUTPUT_DIR [--size-mb 20] [--commits 400] [--history-mb 8] [--copies 3] [--seed 1]
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: CorpusGenerator OUTPUT_DIR [--size-mb 20] [--commits 400] [--history-mb 8] [--copies 3] [--seed 1]");
            return 2;
        }

        var output = Path.GetFullPath(args[0]);
        var sizeMb = Option(args, "--size-mb", 20);
        var commits = Option(args, "--commits", 400);
        var historyMb = Option(args, "--history-mb", 8);
        var copies = Option(args, "--copies", 3);
        var seed = Option(args, "--seed", 1);
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        Directory.CreateDirectory(output);
        var plants = Plants(copies, seed);
        var tree = new TreeWriter(Path.Combine(output, "tree"), new Random(seed));
        var treeTruth = tree.Write(sizeMb * 1024L * 1024, plants);
        var history = new HistoryWriter(Path.Combine(output, "repo"), new Random(seed + 1));
        var historyTruth = history.Write(commits, historyMb * 1024L * 1024, Plants(copies, seed + 100));

        var manifest = new
        {
            seed,
            tree = new { bytes = tree.Bytes, files = tree.Files, planted = treeTruth },
            history = new { commits, bytes = history.Bytes, blobBytes = history.BlobBytes, planted = historyTruth },
        };
        File.WriteAllText(Path.Combine(output, "manifest.json"), JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tree: {tree.Files} files, {tree.Bytes / 1048576.0:0.0} MiB, {treeTruth.Count(p => p.Kind == "secret")} secrets, {treeTruth.Count(p => p.Kind == "decoy")} decoys"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"repo: {commits} commits, {history.Bytes / 1048576.0:0.0} MiB at HEAD+deleted, {history.BlobBytes / 1048576.0:0.0} MiB of blob versions, {historyTruth.Count(p => p.Kind == "secret")} secrets, {historyTruth.Count(p => p.Kind == "decoy")} decoys"));
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>
    /// Every rule's positives as secrets; the rule tests' near misses as "near-miss" (reported apart: a random
    /// value one character short, assigned to GITHUB_TOKEN, is still plausibly a secret, and generic rules
    /// report it by design); and a catalogue of look-alikes that are not credentials by construction as decoys.
    /// </summary>
    private static List<Plant> Plants(int copies, int seed)
    {
        var plants = new List<Plant>();
        for (var c = 0; c < copies; c++)
        {
            foreach (var sample in SecretSamples.Create(seed * 1000 + c))
            {
                plants.AddRange(sample.Positives.Select(p => new Plant("secret", sample.RuleId, p)));
                plants.AddRange(sample.Negatives.Select(n => new Plant("near-miss", sample.RuleId, n)));
            }

            plants.AddRange(Decoys.Catalogue(new FakeSecrets(seed * 7919 + c)).Select(d => new Plant("decoy", d.Family, d.Text)));
        }

        return plants;
    }
}

/// <summary>Text that looks like a credential but is not one: placeholders, public values, hashes, ids, references.</summary>
internal static class Decoys
{
    private const string Begin = "-----BEGIN";
    private const string End = "-----END";

    public static IEnumerable<(string Family, string Text)> Catalogue(FakeSecrets f)
    {
        // Placeholders and documentation examples.
        yield return ("placeholder", "# Set GITHUB_TOKEN to a token with repo scope, e.g. " + "gh" + "p_" + new string('x', 36));
        yield return ("placeholder", "STRIPE_KEY=" + "sk" + "_live_your_key_here");
        yield return ("placeholder", "aws_access_key_id = " + "AK" + "IA" + "IOSFODNN7" + "EXAMPLE");
        yield return ("placeholder", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"); // deployguard:allow AWS documentation example
        yield return ("placeholder", "SLACK_WEBHOOK=https://" + "hooks.slack.com" + "/services/T00000000/B00000000/" + new string('X', 24));
        yield return ("placeholder", "password: \"<your-password>\"");
        yield return ("placeholder", "DB_PASSWORD=changeme");
        yield return ("placeholder", "api_key = \"YOUR_API_KEY\"");
        yield return ("placeholder", "token: " + new string('x', 32));
        yield return ("placeholder", "secret_key = \"" + new string('0', 32) + "\"");
        yield return ("placeholder", "DATABASE_URL=postgresql://user:password@localhost:5432/app");
        yield return ("placeholder", "git clone https://user:pass@example.com/org/repo.git");
        yield return ("placeholder", $"{Begin} RSA PRIVATE KEY-----\n...\n{End} RSA PRIVATE KEY-----");
        // References to secrets kept elsewhere.
        yield return ("reference", "api_key = os.environ[\"API_KEY\"]");
        yield return ("reference", "password = getpass.getpass(\"Password: \")");
        yield return ("reference", "const token = req.headers.authorization;");
        yield return ("reference", "secret: {{ .Values.app.secret }}");
        yield return ("reference", "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}");
        yield return ("reference", "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}");
        yield return ("reference", "var password = configuration[\"Database:Password\"];");
        yield return ("reference", "client_secret = settings.oauth.client_secret");
        // Public or non-secret values in credential-like formats.
        yield return ("public", "publishable_key = \"" + "pk" + "_live_" + f.Alnum(24) + "\"");
        yield return ("public", "\"client_id\": \"" + f.Number(12) + "-" + f.LowerAlnum(32) + ".apps.googleusercontent.com\"");
        yield return ("public", "TWILIO_ACCOUNT_SID=AC" + f.Hex(32));
        yield return ("public", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + f.Base64(43) + " deploy@ci");
        yield return ("public", $"{Begin} PUBLIC KEY-----\n{f.KeyBody(4)}\n{End} PUBLIC KEY-----");
        yield return ("public", $"{Begin} CERTIFICATE-----\n{f.KeyBody(6)}\n{End} CERTIFICATE-----");
        yield return ("public", "role_arn = \"arn:aws:iam::" + f.Number(12) + ":role/deploy\"");
        // Hashes, digests and identifiers.
        yield return ("hash", $"checksum = \"{f.Hex(64)}\"");
        yield return ("hash", $"commit_sha: {f.Hex(40)}");
        yield return ("hash", $"image: registry.example.com/app@sha256:{f.Hex(64)}");
        yield return ("hash", $"\"integrity\": \"sha512-{f.Base64(86)}==\"");
        yield return ("hash", $"password_hash = \"$2b$12${f.Base64(53).Replace('+', '.')}\"");
        yield return ("hash", $"etag: \"{f.Hex(32)}\"");
        yield return ("id", $"request_id = \"{f.Uuid()}\"");
        yield return ("id", $"cache_key = \"user:{f.Number(8)}:profile\"");
        yield return ("id", $"trace_id: {f.Hex(32)}");
        yield return ("id", $"\"version\": \"{f.Next(9)}.{f.Next(20)}.{f.Next(50)}\"");
        // Encoded data that is high-entropy but not a credential.
        yield return ("data", $"logo = \"data:image/png;base64,{f.Base64(120)}\"");
        yield return ("data", $"nonce = \"{f.Alnum(16)}\"");
    }
}

internal sealed record Plant(string Kind, string Rule, string Text);

internal static class Lines
{
    /// <summary>Text lines in a list whose elements may themselves span several lines (key blocks).</summary>
    public static int Count(List<string> elements) => elements.Sum(e => 1 + e.Count(c => c == '\n'));
}

internal sealed record Truth(string Kind, string Rule, string File, int Line, int EndLine, bool Deleted = false);

/// <summary>Source-like text in several languages: identifiers, calls, comments, config keys.</summary>
internal sealed class SourceText(Random random)
{
    private static readonly string[] Words =
    [
        "user", "order", "payment", "invoice", "account", "session", "request", "response", "handler", "service",
        "client", "server", "config", "settings", "cache", "queue", "event", "message", "retry", "timeout", "limit",
        "count", "index", "item", "items", "result", "error", "status", "value", "name", "id", "date", "time", "path",
        "file", "buffer", "stream", "reader", "writer", "parser", "builder", "factory", "manager", "provider", "context",
        "token", "key", "secret", "password", "auth", "login", "hash", "salt", "api", "url", "host", "port", "region",
        "deploy", "release", "build", "stage", "health", "metric", "log", "trace", "span", "tenant", "team", "project",
    ];

    // Background text is meant to hold no credential: keys that get literal values avoid secret-sounding names.
    private static readonly string[] NeutralWords = Words.Except(["token", "key", "secret", "password", "auth", "login", "hash", "salt", "api"]).ToArray();

    public static readonly string[] Extensions = [".py", ".js", ".ts", ".cs", ".go", ".java", ".yaml", ".json", ".md", ".tf", ".properties", ".env", ".sh"];

    public string Line(string extension)
    {
        var a = Word();
        var b = Word();
        var k = NeutralWords[random.Next(NeutralWords.Length)];
        var k2 = NeutralWords[random.Next(NeutralWords.Length)];
        var n = random.Next(1000);
        return extension switch
        {
            ".py" => Pick($"    {a}_{b} = self.{a}.get_{b}({n})", $"def {a}_{b}(self, {a}, {b}=None):", $"    # {a} the {b} before retrying", $"    return {{\"{a}\": {b}, \"count\": {n}}}", $"    {a} = os.environ.get(\"{a.ToUpperInvariant()}_{b.ToUpperInvariant()}\")"),
            ".js" or ".ts" => Pick($"  const {a}{Cap(b)} = await {a}Service.{b}({n});", $"export function {a}{Cap(b)}({a}, {b}) {{", $"  // {a} {b} is cached for {n} ms", $"  if (!{a}.{b}) throw new Error('{a} {b} missing');", "}"),
            ".cs" => Pick($"        var {a}{Cap(b)} = await _{a}.Get{Cap(b)}Async({n}, cancellationToken);", $"    public sealed record {Cap(a)}{Cap(b)}(string {Cap(a)}, int {Cap(b)});", $"        // Why: {a} must be read before {b}.", "    }"),
            ".go" => Pick($"\t{a}{Cap(b)}, err := s.{a}.{Cap(b)}(ctx, {n})", "\tif err != nil {\n\t\treturn err\n\t}", $"func ({a} *{Cap(a)}) {Cap(b)}() int {{ return {n} }}"),
            ".java" => Pick($"        {Cap(a)} {a} = {b}Repository.find{Cap(a)}({n});", $"    private final {Cap(a)}{Cap(b)} {a}{Cap(b)};", $"    // {a} {b} handling"),
            ".yaml" => Pick($"  {a}_{b}: {n}", $"{a}:", $"  {k}: \"{k2}-{n}\"", $"    - name: {a}-{b}"),
            ".json" => Pick($"  \"{a}{Cap(b)}\": {n},", $"  \"{k}\": \"{k2}\","),
            ".md" => Pick($"The {a} {b} is configured in `{a}.yaml` and retried {n} times.", $"## {Cap(a)} {b}", $"- {a}: {b}"),
            ".tf" => Pick($"  {k}_{k2} = \"{k}-{n}\"", $"resource \"aws_{a}\" \"{b}\" {{", "}"),
            ".properties" => $"{a}.{b}={n}",
            ".env" => $"{a.ToUpperInvariant()}_{b.ToUpperInvariant()}={n}",
            _ => Pick($"echo \"{a} {b} {n}\"", $"{k.ToUpperInvariant()}={k2}-{n}"),
        };
    }

    public string Extension() => Extensions[random.Next(Extensions.Length)];

    public string FileName(string extension) => $"{Word()}_{Word()}_{random.Next(100000)}{extension}";

    public string Folder() => string.Join('/', Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Word()));

    private string Word() => Words[random.Next(Words.Length)];

    private string Pick(params string[] options) => options[random.Next(options.Length)];

    private static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}

/// <summary>The directory corpus.</summary>
internal sealed class TreeWriter(string root, Random random)
{
    public long Bytes { get; private set; }

    public int Files { get; private set; }

    public List<Truth> Write(long targetBytes, List<Plant> plants)
    {
        var text = new SourceText(random);
        var truth = new List<Truth>();
        var queue = new Queue<Plant>(plants.OrderBy(_ => random.Next()));
        // Spread plants evenly over the corpus.
        var plantEvery = Math.Max(1, targetBytes / Math.Max(1, plants.Count));
        long sinceLast = 0;
        while (Bytes < targetBytes)
        {
            var extension = text.Extension();
            var relative = $"{text.Folder()}/{text.FileName(extension)}";
            var lines = new List<string>();
            var size = 2000 + random.Next(30000);
            var length = 0;
            while (length < size)
            {
                if (sinceLast >= plantEvery && queue.Count > 0)
                {
                    var plant = queue.Dequeue();
                    var line = Lines.Count(lines) + 1;
                    var span = plant.Text.Count(c => c == '\n');
                    truth.Add(new Truth(plant.Kind, plant.Rule, relative, line, line + span));
                    lines.Add(plant.Text);
                    length += plant.Text.Length + 1;
                    sinceLast = 0;
                    continue;
                }

                var next = text.Line(extension);
                lines.Add(next);
                length += next.Length + 1;
                sinceLast += next.Length + 1;
            }

            var full = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var content = string.Join('\n', lines) + "\n";
            File.WriteAllText(full, content);
            Bytes += Encoding.UTF8.GetByteCount(content);
            Files++;
        }

        return truth;
    }
}

/// <summary>The git corpus: files are added, appended to, and sometimes deleted (taking their secrets with them).</summary>
internal sealed class HistoryWriter(string root, Random random)
{
    public long Bytes { get; private set; }

    public long BlobBytes { get; private set; }

    public List<Truth> Write(int commits, long targetBytes, List<Plant> plants)
    {
        Directory.CreateDirectory(root);
        Git(root, "init", "--quiet", "-b", "main");
        var text = new SourceText(random);
        var files = new Dictionary<string, List<string>>();
        var extensions = new Dictionary<string, string>();
        var truth = new List<Truth>();
        var queue = new Queue<Plant>(plants.OrderBy(_ => random.Next()));
        var plantEveryCommit = Math.Max(1, commits / Math.Max(1, plants.Count));
        var bytesPerCommit = Math.Max(500, targetBytes / commits);
        var stream = new StringBuilder();
        var epoch = new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var branchPoint = commits / 2;
        int? mainTip = null, featureTip = null;
        var featureFiles = new HashSet<string>();

        using var import = Process.Start(new ProcessStartInfo("git", ["-C", root, "fast-import", "--quiet"]) { RedirectStandardInput = true })!;
        var stdin = import.StandardInput;
        stdin.NewLine = "\n";
        for (var i = 0; i < commits; i++)
        {
            var changes = new List<string>();
            var deleted = new List<string>();
            // A feature branch forks from main half-way and gets every fifth commit after that. Its files are
            // its own, so a (file, line) pair means the same content on every branch that has it.
            var onFeature = i > branchPoint && i % 5 == 0;
            var candidates = files.Keys.Where(f => featureFiles.Contains(f) == onFeature).ToList();
            // Most commits add to an existing file; some add a file; a few delete one.
            var roll = random.Next(100);
            if (!onFeature && candidates.Count > 10 && roll < 4)
            {
                var victim = candidates[random.Next(candidates.Count)];
                deleted.Add(victim);
                foreach (var t in truth.Where(t => t.File == victim).ToList())
                {
                    truth[truth.IndexOf(t)] = t with { Deleted = true };
                }

                files.Remove(victim);
            }
            else
            {
                string path;
                if (candidates.Count < 5 || roll < 30)
                {
                    var extension = text.Extension();
                    path = $"{text.Folder()}/{text.FileName(extension)}";
                    while (files.ContainsKey(path))
                    {
                        path += "x";
                    }

                    files[path] = [];
                    extensions[path] = extension;
                    if (onFeature)
                    {
                        featureFiles.Add(path);
                    }
                }
                else
                {
                    path = candidates[random.Next(candidates.Count)];
                }

                var lines = files[path];
                var added = 0L;
                if (i % plantEveryCommit == 0 && queue.Count > 0)
                {
                    var plant = queue.Dequeue();
                    var line = Lines.Count(lines) + 1;
                    truth.Add(new Truth(plant.Kind, plant.Rule, path, line, line + plant.Text.Count(c => c == '\n')));
                    lines.Add(plant.Text);
                    added += plant.Text.Length + 1;
                }

                while (added < bytesPerCommit)
                {
                    var next = text.Line(extensions[path]);
                    lines.Add(next);
                    added += next.Length + 1;
                }

                Bytes += added;
                changes.Add(path);
            }

            var branch = onFeature ? "refs/heads/feature" : "refs/heads/main";
            stdin.WriteLine($"commit {branch}");
            stdin.WriteLine($"mark :{i + 1}");
            var when = epoch + (i * 3600);
            stdin.WriteLine($"author Bench Author <bench{i % 7}@example.test> {when} +0000");
            stdin.WriteLine($"committer Bench Author <bench{i % 7}@example.test> {when} +0000");
            WriteData(stdin, $"change {i}");
            var parent = onFeature ? featureTip ?? mainTip : mainTip;
            if (parent is not null)
            {
                stdin.WriteLine($"from :{parent}");
            }

            if (onFeature)
            {
                featureTip = i + 1;
            }
            else
            {
                mainTip = i + 1;
            }

            foreach (var path in deleted)
            {
                stdin.WriteLine($"D {path}");
            }

            foreach (var path in changes)
            {
                var content = string.Join('\n', files[path]) + "\n";
                BlobBytes += Encoding.UTF8.GetByteCount(content);
                stdin.WriteLine($"M 100644 inline {path}");
                WriteData(stdin, content);
            }

            stdin.WriteLine();
        }

        stdin.Close();
        import.WaitForExit();
        if (import.ExitCode != 0)
        {
            throw new InvalidOperationException("git fast-import failed");
        }

        Git(root, "reset", "--quiet", "--hard", "main");
        return truth;
    }

    private static void WriteData(StreamWriter writer, string content)
    {
        writer.WriteLine($"data {Encoding.UTF8.GetByteCount(content)}");
        writer.Write(content);
        writer.WriteLine();
    }

    private static void Git(string root, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("git", ["-C", root, .. args]))!;
        process.WaitForExit();
    }
}
