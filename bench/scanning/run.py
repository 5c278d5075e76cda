#!/usr/bin/env python3
"""Secret-scanning benchmark: DeployGuard vs secretlint vs git-secrets (vs detect-secrets) on two corpora.

Run on purpose, never in CI:
  bench/scanning/run.sh [--size-mb 20] [--commits 10000] [--history-mb 20] [--runs 3] [--peer-runs 1]
                        [--real-copies 6] [--real-generated-mb 5] [--detect-secrets-src DIR] [--only deployguard]
                        [--results NAME] [--peers-from EARLIER.json]

Builds the CLI (Release publish; Native AOT when the project says so) and the corpus generator, generates
corpus 1 (a source-like tree and a git history, with a manifest of planted secrets and decoys) and corpus 2
("real": a smaller generated tree with its own plants plus npm's sources under /usr/lib/node_modules/npm
copied N times, their node_modules folders renamed to deps so that no scanner skips them as vendored),
installs secretlint (npm, temp folder) and git-secrets (apt) when missing, and runs every tool under
/usr/bin/time -v. Per tool and corpus: wall time end to end (process start included), MB/s, start-up alone
(the same command on an empty folder), engine MB/s, peak RSS, recall, precision. Engine MB/s is measured
in-process for DeployGuard (bench/scanning/EngineBench: the median of the warm passes after the first) and
derived for the peers as bytes / (wall - start-up). Also the load average before each tool, since the
machine is shared. Raw outputs and results.json stay in the work folder.

detect-secrets (Yelp, PyPI) cannot be installed from PyPI here; --detect-secrets-src takes a source
checkout of it (pure Python; needs python3-yaml and python3-requests) and runs `python3 -m detect_secrets
scan --all-files` from it.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def sh(cmd, **kw):
    print("+", cmd if isinstance(cmd, str) else " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, cwd, env=None, stdout=None, stderr=None):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MiB, exit code)."""
    tfile = os.path.join(WORK, "time.txt")
    with open(stdout or os.devnull, "w") as out, open(stderr or os.devnull, "w") as err:
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", tfile] + cmd, cwd=cwd, env=env, stdout=out, stderr=err)
    text = open(tfile).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.+)", text).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    # CPU (user + sys, children included): on a shared machine the wall time says more about the load than the tool.
    cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1)) + float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    TIMED_CPU.append(cpu)
    return seconds, rss, proc.returncode


TIMED_CPU = []


def best_of(runs, cmd, cwd, env=None, stdout=None, stderr=None):
    """Median wall time over runs (the machine is shared); memory of the largest run is kept (worst case)."""
    TIMED_CPU.clear()
    results = [timed(cmd, cwd, env, stdout, stderr) for _ in range(runs)]
    best_of.cpu = statistics.median(TIMED_CPU)
    walls = [r[0] for r in results]
    return statistics.median(walls), max(r[1] for r in results), results[-1][2], walls


def load():
    return os.getloadavg()[0]


# ---------- detections, normalised to (relative file, line) ----------

def ours(path, base):
    report = json.load(open(path))
    return {(f["filePath"], f["line"]) for f in report["findings"]}


def secretlint(path, base):
    found = set()
    for result in json.load(open(path)):
        rel = os.path.relpath(result["filePath"], base)
        for m in result["messages"]:
            found.add((rel, m["loc"]["start"]["line"]))
    return found


def gitsecrets(path, history):
    found = set()
    for line in open(path, errors="replace"):
        parts = line.rstrip("\n").split(":", 3 if history else 2)
        if history and len(parts) == 4 and parts[2].isdigit():
            found.add((parts[1], int(parts[2])))
        elif not history and len(parts) == 3 and parts[1].isdigit():
            found.add((parts[0].removeprefix("./"), int(parts[1])))
    return found


def detectsecrets(path, base):
    found = set()
    for file, items in json.load(open(path))["results"].items():
        for item in items:
            found.add((file.removeprefix("./"), item["line_number"]))
    return found


def score(detections, planted, subset=None):
    """Recall on planted secrets; precision over every detection except those on near-miss lines.

    A near miss is a random value one step off a provider's format, often assigned to a secret-sounding
    name (GITHUB_TOKEN=...): plausibly a real secret, so it counts neither for nor against precision and is
    reported on its own. Decoys (placeholders, public values, hashes, references) and background lines are
    not secrets: any detection there is a false positive.
    """
    secrets = [p for p in planted if p["Kind"] == "secret" and (subset is None or p["Rule"] in subset)]
    by_file = {}
    for p in planted:
        by_file.setdefault(p["File"], []).append(p)
    hits = {"secret": set(), "decoy": set(), "near-miss": set()}
    tp = fp = near = 0
    for file, line in detections:
        match = next((p for p in by_file.get(file, []) if p["Line"] <= line <= p["EndLine"]), None)
        kind = match["Kind"] if match is not None else "background"
        if kind == "secret":
            tp += 1
        elif kind == "near-miss":
            near += 1
        else:
            fp += 1
        if match is not None:
            hits[kind].add(id(match))
    recalled = sum(1 for s in secrets if id(s) in hits["secret"])
    count = lambda kind: sum(1 for p in planted if p["Kind"] == kind)
    judged = tp + fp
    return {
        "secrets": len(secrets), "recalled": recalled, "recall": recalled / len(secrets) if secrets else None,
        "detections": len(detections), "true_detections": tp, "false_detections": fp, "near_miss_detections": near,
        "precision": tp / judged if judged else None,
        "precision_counting_near_misses_as_false": tp / len(detections) if detections else None,
        "decoys": count("decoy"), "decoys_flagged": len(hits["decoy"]),
        "near_misses": count("near-miss"), "near_misses_flagged": len(hits["near-miss"]),
        "missed_rules": sorted({s["Rule"] for s in secrets if id(s) not in hits["secret"]}),
        "flagged_decoy_families": sorted({p["Rule"] for p in planted if id(p) in hits["decoy"]}),
    }


def bench_staged(dg, files, runs):
    """A repository of `files` small files (git fast-import), then two staged edits and one staged new file."""
    repo = os.path.join(WORK, f"staged-{files}")
    if not os.path.exists(os.path.join(repo, ".git")):
        shutil.rmtree(repo, ignore_errors=True)
        os.makedirs(repo)
        sh(["git", "init", "-q", "-b", "main", repo])
        stream = []
        for i in range(files):
            body = f"// module {i}\nexport const value{i} = {i};\nexport function f{i}(x) {{ return x + {i}; }}\n".encode()
            stream.append(b"blob\nmark :%d\ndata %d\n%s\n" % (i + 1, len(body), body))
        message = b"many files"
        stream.append(b"commit refs/heads/main\ncommitter Bench <bench@example.test> 1700000000 +0000\ndata %d\n%s\n" % (len(message), message))
        for i in range(files):
            stream.append(b"M 100644 :%d src/d%03d/m%06d.js\n" % (i + 1, i % 1000, i))
        subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=b"".join(stream), check=True)
        sh(["git", "-C", repo, "reset", "-q", "--hard", "main"])
    sh(["git", "-C", repo, "reset", "-q", "--hard", "main"])
    for path, text in (("src/d001/m000001.js", "export const token = 'gh" "p_%s';\n" % ("A1b2C3d4E5" * 4)[:36]),
                       ("src/d002/m000002.js", "export const other = 2;\n"),
                       ("src/new/config.env", "NPM_TOKEN=np" "m_%s\n" % ("Z9y8X7w6V5" * 4)[:36])):
        os.makedirs(os.path.dirname(os.path.join(repo, path)), exist_ok=True)
        with open(os.path.join(repo, path), "a") as f:
            f.write(text)
        sh(["git", "-C", repo, "add", path])
    before = load()
    report = os.path.join(WORK, "out", "dg-staged.json")
    wall, rss, code, walls = best_of(runs, dg + ["scan", repo, "--staged", "--format", "json", "--output", report], repo)
    cpu = best_of.cpu
    git_wall = best_of(runs, ["git", "-C", repo, "diff-index", "--cached", "--raw", "-M", "HEAD^{tree}"], repo)[0]
    return {"files": files, "staged": 3, "median_s": wall, "cpu_s": cpu, "walls": [round(w, 3) for w in walls], "rss_mib": rss, "exit": code,
            "findings": len(json.load(open(report))["findings"]), "git_s": git_wall, "load_before": before, "load_after": load()}


def main():
    global WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=20)
    ap.add_argument("--commits", type=int, default=10000)
    ap.add_argument("--history-mb", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peer-runs", type=int, default=1, help="runs of the slow peers (secretlint, detect-secrets)")
    ap.add_argument("--engine-passes", type=int, default=5)
    ap.add_argument("--real-copies", type=int, default=6)
    ap.add_argument("--real-generated-mb", type=int, default=5)
    ap.add_argument("--npm", default="/usr/lib/node_modules/npm")
    ap.add_argument("--detect-secrets-src", default=None)
    ap.add_argument("--only", default=None, help="comma-separated tools to run (deployguard, secretlint, git-secrets, detect-secrets)")
    ap.add_argument("--work", default="/tmp/deployguard-bench")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse-corpus", action="store_true", help="keep an existing corpus of the same arguments")
    ap.add_argument("--staged-files", type=int, default=100000, help="files of the pre-commit repository (0: skip that part)")
    ap.add_argument("--results", default="results.json", help="file name of the JSON results in the work folder")
    ap.add_argument("--peers-from", action="append", default=[], help="results JSON of an earlier run (repeatable): its rows for tools and corpora not run now join the table, marked")
    args = ap.parse_args()
    WORK = args.work
    os.makedirs(WORK, exist_ok=True)
    out = os.path.join(WORK, "out")
    os.makedirs(out, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    wanted = lambda tool: only is None or tool in only

    # Build our CLI and the engine bench (only when DeployGuard runs: a peers-only run leaves the work tree alone).
    cli = os.path.join(WORK, "cli")
    dg = [os.path.join(cli, "deployguard")]
    engine = os.path.join(ROOT, "bench", "scanning", "EngineBench")
    engine_dll = os.path.join(engine, "bin", "Release", "net10.0", "EngineBench.dll")
    if wanted("deployguard"):
        # As a release is published: for the machine's runtime, so that the project's Native AOT setting applies (-p:PublishAot=false: ReadyToRun).
        sh(["dotnet", "publish", os.path.join(ROOT, "DeployGuard.Cli"), "-c", "Release", "-r", "linux-x64", "-o", cli, "--nologo", "-v", "q"])
        sh(["dotnet", "build", engine, "-c", "Release", "--nologo", "-v", "q"])
    gen = os.path.join(ROOT, "bench", "scanning", "CorpusGenerator")
    gen_dll = os.path.join(gen, "bin", "Release", "net10.0", "CorpusGenerator.dll")

    corpus = os.path.join(WORK, "corpus")
    stamp = os.path.join(WORK, "corpus-args.json")
    corpus_args = {k: getattr(args, k) for k in ("size_mb", "commits", "history_mb", "seed", "real_copies", "real_generated_mb", "npm")}
    if not (args.reuse_corpus and os.path.exists(stamp) and json.load(open(stamp)) == corpus_args):
        sh(["dotnet", "build", gen, "-c", "Release", "--nologo", "-v", "q"])
        sh(["dotnet", gen_dll, corpus, "--size-mb", str(args.size_mb), "--commits", str(args.commits),
            "--history-mb", str(args.history_mb), "--seed", str(args.seed)])
        # Corpus 2: its own generated part (other seed, no history) and copies of a real source tree.
        realgen = os.path.join(WORK, "realgen")
        sh(["dotnet", gen_dll, realgen, "--size-mb", str(args.real_generated_mb), "--commits", "1", "--history-mb", "1",
            "--seed", str(args.seed + 1)])
        real = os.path.join(WORK, "real")
        shutil.rmtree(real, ignore_errors=True)
        shutil.copytree(os.path.join(realgen, "tree"), real)
        shutil.copy(os.path.join(realgen, "manifest.json"), os.path.join(WORK, "real-manifest.json"))
        for i in range(1, args.real_copies + 1):
            target = os.path.join(real, f"npm-{i}")
            shutil.copytree(args.npm, target, symlinks=True)
            for folder, dirs, _ in os.walk(target, topdown=False):
                for d in dirs:
                    if d == "node_modules":
                        os.rename(os.path.join(folder, d), os.path.join(folder, "deps"))
        json.dump(corpus_args, open(stamp, "w"))
    manifest = json.load(open(os.path.join(corpus, "manifest.json")))
    real_manifest = json.load(open(os.path.join(WORK, "real-manifest.json")))
    tree, repo, real = os.path.join(corpus, "tree"), os.path.join(corpus, "repo"), os.path.join(WORK, "real")
    empty = os.path.join(WORK, "empty")
    os.makedirs(empty, exist_ok=True)

    def tree_bytes(root):
        total = files = 0
        for folder, _, names in os.walk(root):
            for n in names:
                p = os.path.join(folder, n)
                if os.path.isfile(p) and not os.path.islink(p):
                    total += os.path.getsize(p)
                    files += 1
        return total, files

    sizes = {"tree": tree_bytes(tree), "real": tree_bytes(real)}
    planted = {"tree": manifest["tree"]["planted"], "real": real_manifest["tree"]["planted"], "history": manifest["history"]["planted"]}

    # Peers.
    sl_dir = os.path.join(WORK, "secretlint")
    sl = os.path.join(sl_dir, "node_modules", ".bin", "secretlint")
    if wanted("secretlint") and not os.path.exists(sl):
        os.makedirs(sl_dir, exist_ok=True)
        sh("npm init -y >/dev/null && npm install --no-audit --no-fund secretlint @secretlint/secretlint-rule-preset-recommend", shell=True, cwd=sl_dir)
    slrc = os.path.join(sl_dir, ".secretlintrc.json")
    if wanted("secretlint"):
        json.dump({"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]}, open(slrc, "w"))
    if wanted("git-secrets") and shutil.which("git-secrets") is None:
        sh(["apt-get", "install", "-y", "git-secrets"])
    # git-secrets keeps its patterns in git config: a private "global" file, never the user's.
    gitconfig = os.path.join(WORK, "gitconfig")
    open(gitconfig, "w").close()
    gs_env = dict(os.environ, GIT_CONFIG_GLOBAL=gitconfig)
    if wanted("git-secrets"):
        sh(["git", "secrets", "--register-aws", "--global"], env=gs_env)
    ds_env = dict(os.environ, PYTHONPATH=args.detect_secrets_src or "")
    has_ds = args.detect_secrets_src is not None and wanted("detect-secrets")

    def version(cmd, **kw):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, **kw).stdout.strip()
        except OSError:
            return None

    versions = {
        "deployguard": version(dg + ["--version"]),
        "secretlint": version([sl, "--version"]) if wanted("secretlint") else None,
        "git-secrets": version(["dpkg-query", "-W", "-f=${Version}", "git-secrets"]),
        "detect-secrets": version(["python3", "-m", "detect_secrets", "--version"], env=ds_env) if has_ds else None,
    }
    runs = args.runs
    results = []

    def run(tool, corpus_name, cmd, cwd, parse, output, n, env=None, capture="stdout", startup_cmd=None):
        before = load()
        out_file = os.path.join(out, output)
        kw = {"stdout": out_file} if capture == "stdout" else {"stderr": out_file} if capture == "stderr" else {}
        wall, rss, code, walls = best_of(n, cmd, cwd, env, **kw)
        cpu = best_of.cpu
        start = None
        if startup_cmd is not None:
            start = best_of(n, startup_cmd, empty, env)[0]
        base = cwd
        detections = parse(out_file, base)
        results.append({"tool": tool, "corpus": corpus_name, "wall": wall, "walls": walls, "cpu": cpu, "rss": rss, "exit": code,
                        "startup": start, "detections": detections, "load_before": before, "load_after": load()})

    # DeployGuard: --output writes the JSON report; its start-up is --version-free: a scan of an empty folder.
    if wanted("deployguard"):
        for name, root in (("tree", tree), ("real", real)):
            report = os.path.join(out, f"dg-{name}.json")
            run("deployguard", name, dg + ["scan", root, "--format", "json", "--output", report], root,
                lambda _o, base, report=report: ours(report, base), f"dg-{name}.log", runs,
                startup_cmd=dg + ["scan", empty, "--format", "json", "--output", os.path.join(out, "dg-empty.json")])
        report = os.path.join(out, "dg-history.json")
        run("deployguard", "history", dg + ["scan", repo, "--history", "--format", "json", "--output", report], repo,
            lambda _o, base: ours(report, base), "dg-history.log", runs)
    if wanted("secretlint"):
        for name, root in (("tree", tree), ("real", real)):
            report = os.path.join(out, f"sl-{name}.json")
            run("secretlint", name, [sl, "--secretlintrc", slrc, "--format", "json", "--output", report, "**/*"], root,
                lambda _o, base, report=report: secretlint(report, base), f"sl-{name}.log", args.peer_runs,
                startup_cmd=[sl, "--secretlintrc", slrc, "--format", "json", "--output", os.path.join(out, "sl-empty.json"), "**/*"])
    if wanted("git-secrets"):
        for name, root in (("tree", tree), ("real", real)):
            run("git-secrets", name, ["git", "secrets", "--scan", "--no-index"], root,
                lambda o, _b: gitsecrets(o, False), f"gs-{name}.txt", runs, env=gs_env, capture="stderr",
                startup_cmd=["git", "secrets", "--scan", "--no-index"])
        run("git-secrets", "history", ["git", "secrets", "--scan-history"], repo,
            lambda o, _b: gitsecrets(o, True), "gs-history.txt", runs, env=gs_env, capture="stderr")
    if has_ds:
        for name, root in (("tree", tree), ("real", real)):
            run("detect-secrets", name, ["python3", "-m", "detect_secrets", "scan", "--all-files"], root,
                detectsecrets, f"ds-{name}.json", args.peer_runs, env=ds_env,
                startup_cmd=["python3", "-m", "detect_secrets", "scan", "--all-files"])

    # Pre-commit: deployguard scan --staged on a repository of N files with three staged changes.
    staged = None
    if wanted("deployguard") and args.staged_files > 0:
        staged = bench_staged(dg, args.staged_files, runs=max(5, runs))

    # DeployGuard's engine alone, warm, in one process.
    engine_rates = {}
    if wanted("deployguard"):
        for name, root, hist in (("tree", tree, False), ("real", real, False), ("history", repo, True)):
            cmd = ["dotnet", engine_dll, root, "--iterations", str(args.engine_passes)] + (["--history"] if hist else [])
            before = load()
            passes = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)["passes"]
            warm = passes[1:] or passes
            seconds = statistics.median(p["seconds"] for p in warm)
            engine_rates[name] = {"passes": passes, "warm_median_s": seconds, "load_before": before, "load_after": load(),
                                  "warm_median_cpu_s": statistics.median(p["cpuSeconds"] for p in warm),
                                  "mb_per_s": statistics.median(p["bytes"] for p in warm) / 1e6 / seconds,
                                  "commits_per_s": statistics.median(p["commits"] for p in warm) / seconds if hist else None}

    rows, table = [], []
    pct = lambda x: "n/a" if x is None else f"{x:.3f}"

    def line(row):
        overall = row["overall"]
        engine_note = "" if row["engine_measured_in_process"] or row["engine_mb_per_s"] is None else " (derived)"
        tool = row["tool"] + (f" (earlier run, {row['earlier_run']})" if row.get("earlier_run") else "")
        return (f"| {tool} | {row['corpus']} | {row['wall_s']} | {row.get('cpu_s', '-')} | {row['mb_per_s']} | {row.get('mb_per_cpu_s', '-')} | "
                f"{row['engine_mb_per_s'] or '-'}{engine_note} | {row['startup_s'] if row['startup_s'] is not None else '-'} | {row['commits_per_s'] or '-'} | "
                f"{row['peak_rss_mib']} | {pct(overall['recall'])} ({overall['recalled']}/{overall['secrets']}) | "
                f"{pct(overall['precision'])} ({overall['true_detections']}/{overall['true_detections'] + overall['false_detections']}) | "
                f"{overall['decoys_flagged']}/{overall['decoys']} | {overall['near_misses_flagged']}/{overall['near_misses']} | {row['load_before']}–{row['load_after']} |")
    for r in results:
        kind = r["corpus"]
        overall = score(r["detections"], planted[kind])
        mb = (manifest["history"]["blobBytes"] if kind == "history" else sizes[kind][0]) / 1e6
        engine_mb = None
        if r["tool"] == "deployguard" and kind in engine_rates:
            engine_mb = engine_rates[kind]["mb_per_s"]
        elif r["startup"] is not None and r["wall"] > r["startup"]:
            engine_mb = mb / (r["wall"] - r["startup"])
        row = {
            "tool": r["tool"], "corpus": kind, "wall_s": round(r["wall"], 3), "walls": [round(w, 3) for w in r["walls"]],
            "cpu_s": round(r["cpu"], 3), "mb_per_cpu_s": round(mb / r["cpu"], 1) if r["cpu"] else None,
            "startup_s": None if r["startup"] is None else round(r["startup"], 3),
            "mb_per_s": round(mb / r["wall"], 1), "engine_mb_per_s": None if engine_mb is None else round(engine_mb, 1),
            "engine_measured_in_process": r["tool"] == "deployguard" and kind in engine_rates,
            "commits_per_s": round(args.commits / r["wall"], 1) if kind == "history" else None,
            "peak_rss_mib": round(r["rss"], 1), "exit": r["exit"], "load_before": round(r["load_before"], 2),
            "load_after": round(r["load_after"], 2), "overall": overall,
        }
        rows.append(row)
        table.append(line(row))

    # Peers measured by an earlier run (they take minutes to an hour on a loaded machine): their rows, marked.
    for path in args.peers_from:
        if not os.path.exists(path):
            print(f"--peers-from {path}: no such file (that run has not finished); left out", file=sys.stderr)
            continue
        earlier = json.load(open(path))
        ran = {(r["tool"], r["corpus"]) for r in rows}
        for row in earlier["results"]:
            if (row["tool"], row["corpus"]) not in ran:
                row = dict(row, earlier_run=earlier.get("finished", os.path.basename(path)))
                rows.append(row)
                table.append(line(row))

    summary = {
        "machine": {"nproc": os.cpu_count(), "uname": os.uname().release},
        "versions": versions, "args": vars(args),
        "corpus": {"tree_bytes": sizes["tree"][0], "tree_files": sizes["tree"][1], "real_bytes": sizes["real"][0], "real_files": sizes["real"][1],
                   "history_commits": args.commits, "history_blob_bytes": manifest["history"]["blobBytes"]},
        "engine": engine_rates, "results": rows, "staged": staged, "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    json.dump(summary, open(os.path.join(WORK, args.results), "w"), indent=2)
    print(f"\nCorpora: tree {sizes['tree'][0] / 1e6:.1f} MB in {sizes['tree'][1]} files; real {sizes['real'][0] / 1e6:.1f} MB in {sizes['real'][1]} files; "
          f"history {args.commits} commits, {manifest['history']['blobBytes'] / 1e6:.1f} MB of blob versions. Versions: {versions}")
    print(f"| tool | corpus | wall s (median of {runs}; peers {args.peer_runs}) | CPU s (user+sys) | MB/s end to end | MB per CPU-s | engine MB/s | start-up s | commits/s | peak RSS MiB | recall | precision | decoys flagged | near misses flagged | load (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(table))
    for name, e in engine_rates.items():
        print(f"engine {name}: warm median {e['warm_median_s']:.3f} s (CPU {e['warm_median_cpu_s']:.3f} s), {e['mb_per_s']:.1f} MB/s"
              + (f", {e['commits_per_s']:.0f} commits/s" if e['commits_per_s'] else "") + f", passes {[round(p['seconds'], 3) for p in e['passes']]}")
    if staged:
        print(f"scan --staged on {staged['files']} files ({staged['staged']} staged): median {staged['median_s']:.3f} s "
              f"(runs {staged['walls']}), CPU {staged['cpu_s']:.3f} s, peak RSS {staged['rss_mib']:.0f} MiB, findings {staged['findings']}; "
              f"git diff-index --cached alone {staged['git_s']:.3f} s; load {staged['load_before']:.2f}-{staged['load_after']:.2f}")
    for row in rows:
        if row["overall"]["flagged_decoy_families"]:
            print(f"{row['tool']} ({row['corpus']}) flagged decoy families: {', '.join(row['overall']['flagged_decoy_families'])}", file=sys.stderr)


if __name__ == "__main__":
    main()
