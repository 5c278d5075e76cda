#!/usr/bin/env python3
"""Secret-scanning benchmark: DeployGuard vs secretlint vs git-secrets on one generated corpus.

Run on purpose, never in CI:  bench/scanning/run.sh [--size-mb 20] [--commits 1000] [--history-mb 10] [--runs 3]

Builds the CLI (Release) and the corpus generator, generates the corpus (a directory tree and a git
history with a manifest of planted secrets and decoys), installs secretlint (npm, temp folder) and
git-secrets (apt) when missing, runs every tool under /usr/bin/time -v, and prints a Markdown table of
throughput, peak memory, recall and precision. Raw outputs and results.json stay in the work folder.
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
    return seconds, rss, proc.returncode


def best_of(runs, cmd, cwd, env=None, stdout=None, stderr=None):
    """Median wall time over runs (the machine is shared); memory of the slowest run is kept (worst case)."""
    results = [timed(cmd, cwd, env, stdout, stderr) for _ in range(runs)]
    walls = [r[0] for r in results]
    return statistics.median(walls), max(r[1] for r in results), results[-1][2], walls


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


def main():
    global WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=20)
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--history-mb", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/deployguard-bench")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    WORK = args.work
    os.makedirs(WORK, exist_ok=True)
    out = os.path.join(WORK, "out")
    os.makedirs(out, exist_ok=True)

    # Build our CLI and the generator.
    cli = os.path.join(WORK, "cli")
    sh(["dotnet", "publish", os.path.join(ROOT, "DeployGuard.Cli"), "-c", "Release", "-o", cli, "--nologo", "-v", "q"])
    gen = os.path.join(ROOT, "bench", "scanning", "CorpusGenerator")
    sh(["dotnet", "build", gen, "-c", "Release", "--nologo", "-v", "q"])
    corpus = os.path.join(WORK, "corpus")
    sh(["dotnet", os.path.join(gen, "bin", "Release", "net10.0", "CorpusGenerator.dll"), corpus,
        "--size-mb", str(args.size_mb), "--commits", str(args.commits), "--history-mb", str(args.history_mb), "--seed", str(args.seed)])
    manifest = json.load(open(os.path.join(corpus, "manifest.json")))
    tree, repo = os.path.join(corpus, "tree"), os.path.join(corpus, "repo")

    # Competitors.
    sl_dir = os.path.join(WORK, "secretlint")
    sl = os.path.join(sl_dir, "node_modules", ".bin", "secretlint")
    if not os.path.exists(sl):
        os.makedirs(sl_dir, exist_ok=True)
        sh("npm init -y >/dev/null && npm install --no-audit --no-fund secretlint @secretlint/secretlint-rule-preset-recommend", shell=True, cwd=sl_dir)
    slrc = os.path.join(sl_dir, ".secretlintrc.json")
    json.dump({"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]}, open(slrc, "w"))
    if shutil.which("git-secrets") is None:
        sh(["apt-get", "install", "-y", "git-secrets"])
    # git-secrets keeps its patterns in git config: a private "global" file, never the user's.
    gitconfig = os.path.join(WORK, "gitconfig")
    open(gitconfig, "w").close()
    gs_env = dict(os.environ, GIT_CONFIG_GLOBAL=gitconfig)
    sh(["git", "secrets", "--register-aws", "--global"], env=gs_env)

    versions = {
        "deployguard": subprocess.run(["dotnet", os.path.join(cli, "deployguard.dll"), "--version"], capture_output=True, text=True).stdout.strip(),
        "secretlint": subprocess.run([sl, "--version"], capture_output=True, text=True).stdout.strip(),
        "git-secrets": subprocess.run(["dpkg-query", "-W", "-f=${Version}", "git-secrets"], capture_output=True, text=True).stdout.strip(),
    }
    dg = ["dotnet", os.path.join(cli, "deployguard.dll")]
    runs = args.runs
    results = {}

    # Directory tree.
    r = best_of(runs, dg + ["scan", tree, "--format", "json", "--output", os.path.join(out, "dg-tree.json")], tree)
    results["deployguard (tree)"] = (r, ours(os.path.join(out, "dg-tree.json"), tree), "tree")
    r = best_of(runs, [sl, "--secretlintrc", slrc, "--format", "json", "--output", os.path.join(out, "sl-tree.json"), "**/*"], tree)
    results["secretlint (tree)"] = (r, secretlint(os.path.join(out, "sl-tree.json"), tree), "tree")
    r = best_of(runs, ["git", "secrets", "--scan", "--no-index"], tree, env=gs_env, stderr=os.path.join(out, "gs-tree.txt"))
    results["git-secrets (tree)"] = (r, gitsecrets(os.path.join(out, "gs-tree.txt"), False), "tree")

    # Git history.
    r = best_of(runs, dg + ["scan", repo, "--history", "--format", "json", "--output", os.path.join(out, "dg-history.json")], repo)
    results["deployguard (history)"] = (r, ours(os.path.join(out, "dg-history.json"), repo), "history")
    r = best_of(runs, ["git", "secrets", "--scan-history"], repo, env=gs_env, stderr=os.path.join(out, "gs-history.txt"))
    results["git-secrets (history)"] = (r, gitsecrets(os.path.join(out, "gs-history.txt"), True), "history")

    aws = {"aws-access-key-id", "aws-secret-access-key"}
    rows, table = [], []
    for name, ((wall, rss, code, walls), detections, kind) in results.items():
        planted = manifest[kind]["planted"]
        overall, aws_only = score(detections, planted), score(detections, planted, aws)
        mb = manifest["tree"]["bytes"] / 1048576 if kind == "tree" else manifest["history"]["blobBytes"] / 1048576
        row = {
            "tool": name, "wall_s": round(wall, 2), "walls": [round(w, 2) for w in walls], "peak_rss_mib": round(rss, 1), "exit": code,
            "mb_per_s": round(mb / wall, 2), "commits_per_s": round(args.commits / wall, 1) if kind == "history" else None,
            "overall": overall, "aws": aws_only,
        }
        rows.append(row)
        pct = lambda x: "n/a" if x is None else f"{x:.3f}"
        table.append(f"| {name} | {row['wall_s']} | {row['mb_per_s']} | {row['commits_per_s'] or '-'} | {row['peak_rss_mib']} | "
                     f"{pct(overall['recall'])} ({overall['recalled']}/{overall['secrets']}) | {pct(overall['precision'])} ({overall['true_detections']}/{overall['true_detections'] + overall['false_detections']}) | "
                     f"{overall['decoys_flagged']}/{overall['decoys']} | {overall['near_misses_flagged']}/{overall['near_misses']} | "
                     f"{pct(aws_only['recall'])} ({aws_only['recalled']}/{aws_only['secrets']}) |")

    summary = {
        "machine": {"nproc": os.cpu_count(), "uname": os.uname().release},
        "versions": versions, "args": vars(args),
        "corpus": {"tree_bytes": manifest["tree"]["bytes"], "tree_files": manifest["tree"]["files"],
                   "history_commits": args.commits, "history_blob_bytes": manifest["history"]["blobBytes"]},
        "results": rows,
    }
    json.dump(summary, open(os.path.join(WORK, "results.json"), "w"), indent=2)
    print(f"\nCorpus: tree {manifest['tree']['bytes'] / 1048576:.1f} MiB in {manifest['tree']['files']} files; "
          f"history {args.commits} commits, {manifest['history']['blobBytes'] / 1048576:.1f} MiB of blob versions. Versions: {versions}")
    print("| tool | wall s (median of %d) | MiB/s | commits/s | peak RSS MiB | recall | precision | decoys flagged | near misses flagged | AWS recall |" % runs)
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(table))
    for row in rows:
        if row["overall"]["flagged_decoy_families"]:
            print(f"{row['tool']} flagged decoy families: {', '.join(row['overall']['flagged_decoy_families'])}", file=sys.stderr)


if __name__ == "__main__":
    main()
