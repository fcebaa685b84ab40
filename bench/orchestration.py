#!/usr/bin/env python3
"""Orchestration overhead (issue 5): how fast weir runs a large DAG of tasks
that do nothing, against the floor for running processes (make -j2, ninja -j2)
and a peer orchestrator (snakemake --cores 2), all on the same graphs in one
run; how long a downstream task waits after its upstream ended; and how soon
weir notices a task process that died.

Graphs: `wide-1k` and `wide-10k` (layers of 100 tasks, each after two tasks
of the layer before) and `chain-1k` (each task after the one before). Tools:
weir with `shell: "true"` tasks (one process each, as make's recipes), weir
with `noop` tasks (in-process, no process at all), make, ninja, snakemake.
Every weir state change is committed to SQLite (.weir/state.db) before weir
acts on it or reports it.

Each measurement is a fresh folder; wall time by the clock around the
command, peak RSS by GNU time (`%M`); medians of the repeats, which are
interleaved across tools so that a burst of load on the shared machine hits
all tools alike. Before any ratio is printed each tool must have run every
task: weir's `weir status` must list every task as success, make and ninja
must have run every recipe (each appends a line to a log), and snakemake
must have written every task's output file.

Dispatch latency comes from weir's own record: the attempts table holds when
each attempt started and ended (epoch milliseconds), so over `chain-1k` the
gap between a task's end and its successor's start is one hand-off.

usage: orchestration.py --weir PATH --out SECTION.md [--repeats N] [--quick]
"""
import argparse
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time

WIDTH = 100
TIME = "/usr/bin/time"
PEER_TIMEOUT_S = 1800  # snakemake on 10,000 tasks may take this long on a loaded machine


def layered(layers):
    """Layers of WIDTH tasks, each after two tasks of the layer before."""
    graph = []
    for layer in range(layers):
        for i in range(WIDTH):
            deps = [] if layer == 0 else [f"l{layer - 1}_t{i}", f"l{layer - 1}_t{(i + 1) % WIDTH}"]
            graph.append((f"l{layer}_t{i}", deps))
    return graph


def chain(length):
    return [(f"c{i}", [] if i == 0 else [f"c{i - 1}"]) for i in range(length)]


# name -> (description, graph); graphs are lists of (task, upstream tasks) in dependency order.
GRAPHS = {
    "wide-1k": ("1,000 tasks: 10 layers of 100, each after two of the layer before", layered(10)),
    "wide-10k": ("10,000 tasks: 100 layers of 100, each after two of the layer before", layered(100)),
    "chain-1k": ("1,000 tasks in one chain, each after the one before", chain(1000)),
}


# --- writing each tool's version of a graph ---------------------------------

def write_weir_project(root, graph, kind):
    os.makedirs(os.path.join(root, "pipelines"))
    with open(os.path.join(root, "weir.yml"), "w") as f:
        f.write("name: bench\n")
    body = "    command: \"true\"\n" if kind == "shell" else ""
    with open(os.path.join(root, "pipelines", "dag.yml"), "w") as f:
        f.write("pipeline: dag\ntasks:\n")
        for name, deps in graph:
            f.write(f"  - id: {name}\n    kind: {kind}\n{body}")
            if deps:
                f.write(f"    after: [{', '.join(deps)}]\n")


def write_makefile(root, graph, log):
    with open(os.path.join(root, "Makefile"), "w") as f:
        names = " ".join(name for name, _ in graph)
        f.write(f".PHONY: all {names}\nall: {names}\n")
        for name, deps in graph:
            f.write(f"{name}: {' '.join(deps)}\n\t@true && echo x >> {log}\n")


def write_ninja(root, graph, log):
    with open(os.path.join(root, "build.ninja"), "w") as f:
        f.write(f"rule run\n  command = true && echo x >> {log}\n")
        for name, deps in graph:
            f.write(f"build {name}: run" + (f" || {' '.join(deps)}" if deps else "") + "\n")


def write_snakefile(root, graph):
    # One rule whose inputs come from the graph, as a snakemake user writes a
    # generated DAG; each job is one bash process that writes its output.
    deps = {name: up for name, up in graph}
    with open(os.path.join(root, "Snakefile"), "w") as f:
        f.write(f"DEPS = {deps!r}\n\n")
        f.write('wildcard_constraints:\n    name="[A-Za-z0-9_]+"\n\n')
        f.write('rule all:\n    input: [f"out/{n}" for n in DEPS]\n\n')
        f.write('rule task:\n    input: lambda w: [f"out/{d}" for d in DEPS[w.name]]\n'
                '    output: "out/{name}"\n    shell: "true; echo x > {output}"\n')


# --- running and checking ----------------------------------------------------

def timed(cmd, cwd, timeout=None):
    """(wall seconds, peak RSS in MB) of `cmd`, which must succeed."""
    rss_file = os.path.join(cwd, ".peak_rss")
    start = time.perf_counter()
    # A session of its own, so that a timeout stops the tool and everything it started.
    proc = subprocess.Popen([TIME, "-f", "%M", "-o", rss_file] + cmd, cwd=cwd, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    wall = time.perf_counter() - start
    if code != 0:
        raise subprocess.CalledProcessError(code, cmd)
    with open(rss_file) as f:
        rss_kb = int(f.read().split()[-1])
    return wall, rss_kb / 1024


def count_lines(path):
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        return sum(1 for _ in f)


def weir_successes(weir, root):
    out = subprocess.run([weir, "status", "dag"], cwd=root, check=True, capture_output=True, text=True).stdout
    tasks = out.split("\ntasks of run", 1)[-1].splitlines()[1:]
    return sum(1 for line in tasks if line.split()[1:2] == ["success"])


def run_tool(tool, graph, root, weir, timeout):
    """Runs one tool over `graph` in the fresh folder `root`; returns (wall, rss, tasks it ran)."""
    os.makedirs(root)
    log = os.path.join(root, "count.log")
    if tool.startswith("weir"):
        write_weir_project(root, graph, "noop" if tool == "weir noop" else "shell")
        started_ms = time.time() * 1000
        wall, rss = timed([weir, "run", "dag", "--date", "2024-01-01", "--threads", "2"], root, timeout)
        PHASES.setdefault((graph_name(graph), tool), []).append(
            weir_phases(os.path.join(root, ".weir", "state.db"), started_ms, time.time() * 1000))
        return wall, rss, weir_successes(weir, root)
    if tool == "make":
        write_makefile(root, graph, log)
        wall, rss = timed(["make", "-j2", "all"], root, timeout)
        return wall, rss, count_lines(log)
    if tool == "ninja":
        write_ninja(root, graph, log)
        wall, rss = timed(["ninja", "-j2"], root, timeout)
        return wall, rss, count_lines(log)
    write_snakefile(root, graph)
    wall, rss = timed(["snakemake", "--cores", "2", "--quiet"], root, timeout)
    out = os.path.join(root, "out")
    return wall, rss, len(os.listdir(out)) if os.path.isdir(out) else 0


# (graph name, weir tool) -> the phases of each weir run, in milliseconds.
PHASES = {}
PHASE_NAMES = ["start-up, reading the project, building the graph", "creating the run, loading its tasks",
               "running the tasks (first start to last end)", "recording the run's end, summary, exit"]


def graph_name(graph):
    return next(name for name, (_, g) in GRAPHS.items() if g is graph)


def weir_phases(state_db, started_ms, ended_ms):
    """Where a weir run's wall time went, from the times its state recorded."""
    db = sqlite3.connect(state_db)
    run_start = db.execute("SELECT started_at_ms FROM runs").fetchone()[0]
    first, last = db.execute("SELECT MIN(started_at_ms), MAX(ended_at_ms) FROM attempts").fetchone()
    db.close()
    return [run_start - started_ms, first - run_start, last - first, ended_ms - last]


TOOLS = ["weir shell", "weir noop", "make", "ninja", "snakemake"]
LABELS = {"weir shell": 'weir, `shell: "true"`', "weir noop": "weir, `noop`", "make": "make -j2",
          "ninja": "ninja -j2", "snakemake": "snakemake --cores 2"}


def measure_graph(name, graph, weir, work, repeats, snakemake_repeats, keep_chain_state):
    """{tool: [(wall, rss), ...]}, repeats interleaved across tools."""
    results = {tool: [] for tool in TOOLS}
    for r in range(repeats):
        for tool in TOOLS:
            if tool == "snakemake" and r >= snakemake_repeats:
                continue
            root = os.path.join(work, f"{name}-{tool.replace(' ', '-')}-{r}")
            try:
                wall, rss, ran = run_tool(tool, graph, root, weir, timeout=PEER_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                # Recorded as unfinished rather than dropped; the time GNU time
                # measured is lost with the killed process, the limit is not.
                print(f"  {name} {tool} #{r + 1}: stopped after {PEER_TIMEOUT_S} s", flush=True)
                results[tool].append((float("inf"), float("nan")))
                shutil.rmtree(root, ignore_errors=True)
                continue
            if ran != len(graph):
                sys.exit(f"{tool} ran {ran} of the {len(graph)} tasks of {name}; no ratio without all of them")
            results[tool].append((wall, rss))
            print(f"  {name} {tool} #{r + 1}: {wall:.2f} s, {rss:.0f} MB", flush=True)
            if not (keep_chain_state and tool == "weir noop" and r == 0):
                shutil.rmtree(root, ignore_errors=True)
    return results


# --- weir's own record: hand-off latency and throughput ----------------------

def attempt_times(state_db):
    """{task: (started_ms, ended_ms)} of the latest run's attempts."""
    db = sqlite3.connect(state_db)
    rows = db.execute("SELECT task_id, started_at_ms, ended_at_ms FROM attempts "
                      "WHERE run_id = (SELECT MAX(id) FROM runs) AND state = 'success'").fetchall()
    db.close()
    return {task: (start, end) for task, start, end in rows}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def hand_offs(graph, times):
    """Milliseconds from each task's end to its successor's start along a chain."""
    return [times[name][0] - times[deps[0]][1] for name, deps in graph if deps]


# --- a task process that dies ------------------------------------------------

def find_child(parent_pid, argv):
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")[:-1]
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent_pid and cmd == argv:
            return int(pid)
    return None


def death_detection(weir, work, repeats):
    """Milliseconds from SIGKILL of a task's process to weir recording the attempt's end."""
    gaps = []
    for r in range(repeats):
        root = os.path.join(work, f"death-{r}")
        os.makedirs(os.path.join(root, "pipelines"))
        with open(os.path.join(root, "weir.yml"), "w") as f:
            f.write("name: bench\n")
        marker = str(3000 + r)  # a plain command runs without bash: its process is `sleep`
        with open(os.path.join(root, "pipelines", "dag.yml"), "w") as f:
            f.write(f"pipeline: dag\ntasks:\n  - id: victim\n    kind: shell\n    command: sleep {marker}\n")
        proc = subprocess.Popen([weir, "run", "dag", "--date", "2024-01-01"], cwd=root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        child = None
        while child is None and time.monotonic() < deadline:
            child = find_child(proc.pid, [b"sleep", marker.encode()])
            time.sleep(0.01)
        if child is None:
            proc.kill()
            sys.exit("death test: the task's process never appeared")
        killed_ms = time.time() * 1000
        os.kill(child, signal.SIGKILL)
        if proc.wait(timeout=60) == 0:
            sys.exit("death test: weir reported success for a killed task")
        db = sqlite3.connect(os.path.join(root, ".weir", "state.db"))
        state, ended, code = db.execute("SELECT state, ended_at_ms, error_code FROM attempts").fetchone()
        db.close()
        if state != "failed" or code != "shell-signal":
            sys.exit(f"death test: the attempt ended {state} ({code}), expected failed (shell-signal)")
        gaps.append(ended - killed_ms)
        shutil.rmtree(root, ignore_errors=True)
    return gaps


# --- the report ----------------------------------------------------------------

def load_text():
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def median_of(samples, i):
    return statistics.median(s[i] for s in samples)


def graph_table(name, description, results, tasks):
    weir_wall = median_of(results["weir shell"], 0)
    lines = [f"### {name}: {description}", "",
             "| tool | median wall (s) | tasks/s | peak RSS (MB) | all runs (s) | weir shell / tool |",
             "| --- | ---: | ---: | ---: | --- | ---: |"]
    for tool in TOOLS:
        samples = results[tool]
        if not samples:
            continue
        wall = median_of(samples, 0)
        ratio = "—" if tool == "weir shell" else f"{weir_wall / wall:.2f}"
        if wall == float("inf"):
            lines.append(f"| {LABELS[tool]} | > {PEER_TIMEOUT_S} (stopped) | — | — | — | < {weir_wall / PEER_TIMEOUT_S:.3f} |")
            continue
        lines.append(f"| {LABELS[tool]} | {wall:.2f} | {tasks / wall:,.0f} | {median_of(samples, 1):.0f} | "
                     f"{', '.join(f'{s[0]:.2f}' for s in samples)} | {ratio} |")
    return lines + [""]


def verdict(met):
    return "**met**" if met else "**not met**"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--snakemake-10k-repeats", type=int, default=1,
                        help="snakemake needs minutes for 10,000 tasks: fewer repeats there")
    parser.add_argument("--quick", action="store_true", help="1,000-task graphs only, 3 repeats (a smoke run)")
    args = parser.parse_args()
    weir = os.path.abspath(args.weir)
    work = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work", "orchestration")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    repeats = 3 if args.quick else args.repeats
    graphs = {k: v for k, v in GRAPHS.items() if not (args.quick and k == "wide-10k")}

    load_before = load_text()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = {}
    for name, (_, graph) in graphs.items():
        snake = args.snakemake_10k_repeats if name == "wide-10k" else repeats
        results[name] = measure_graph(name, graph, weir, work, repeats, snake, keep_chain_state=name == "chain-1k")
    chain_graph = GRAPHS["chain-1k"][1]
    chain_times = attempt_times(os.path.join(work, "chain-1k-weir-noop-0", ".weir", "state.db"))
    gaps = hand_offs(chain_graph, chain_times)
    # One task's whole cycle along the chain: record its start, run, record its end, dispatch the next.
    cycle_ms = (max(e for _, e in chain_times.values()) - min(s for s, _ in chain_times.values())) / len(chain_graph)
    deaths = death_detection(weir, work, repeats)
    load_after = load_text()

    lines = [
        "## Orchestration: scheduler overhead, hand-off latency, a dying task",
        "",
        "Tasks that do nothing, so that what is measured is the orchestrator: weir with `shell: \"true\"`",
        "tasks (one process each, like make's recipes) and with `noop` tasks (in-process), against",
        "make -j2 and ninja -j2 on the same graph (the floor for running processes) and snakemake",
        "--cores 2 (the peer orchestrator); weir runs with `--threads 2` and commits every state change",
        "to SQLite before acting on it. Every tool ran every task (checked before any ratio). Medians of",
        f"{repeats} interleaved repeats (snakemake on wide-10k: {args.snakemake_10k_repeats}); wall time includes",
        "start-up and reading the project. Peak RSS by GNU time.",
        f"Measured {started}; load average {load_before} before, {load_after} after ({os.cpu_count()} cores).",
        "",
    ]
    for name, (description, graph) in graphs.items():
        lines += graph_table(name, description, results[name], len(graph))

    lines += ["### Where weir's time goes",
              "",
              "Medians in milliseconds, split at the times weir recorded (the run's start, the first",
              "attempt's start, the last attempt's end) and the process's own start and exit.",
              "",
              "| graph, kind | " + " | ".join(PHASE_NAMES) + " |",
              "| --- |" + " ---: |" * len(PHASE_NAMES)]
    for (name, tool), runs in PHASES.items():
        medians = [statistics.median(run[i] for run in runs) for i in range(len(PHASE_NAMES))]
        lines.append(f"| {name}, {tool.split()[1]} | " + " | ".join(f"{m:.0f}" for m in medians) + " |")
    lines += [
        "",
        "### Hand-off latency (weir, `noop`, chain-1k)",
        "",
        "From a task's end to its successor's start, both as weir recorded them in the attempts table",
        "(milliseconds, so each gap is rounded to whole ms: a gap recorded as 0 ms was under 1 ms).",
        "",
        f"- median {statistics.median(gaps):.0f} ms, p99 {percentile(gaps, 99):.0f} ms, max {max(gaps):.0f} ms, "
        f"mean {statistics.mean(gaps):.2f} ms over {len(gaps)} hand-offs; "
        f"{sum(1 for g in gaps if g == 0) / len(gaps):.0%} recorded as 0 ms",
        f"- a task's whole cycle along the chain (its start recorded, run, end recorded, successor",
        f"  dispatched): {cycle_ms:.2f} ms, from the first start to the last end over {len(chain_graph)} tasks",
        "",
        "### A task whose process dies",
        "",
        "A `shell` task's process (`sleep`) killed with SIGKILL; the gap from the kill to the attempt's",
        "recorded end (failed, `shell-signal`):",
        "",
        f"- median {statistics.median(deaths):.0f} ms, max {max(deaths):.0f} ms over {len(deaths)} kills",
        "",
    ]

    def wall(graph, tool):
        return median_of(results[graph][tool], 0)

    goals = []
    for name in [g for g in ("wide-1k", "wide-10k", "chain-1k") if g in results]:
        vs_make = wall(name, "weir shell") / wall(name, "make")
        vs_snake = wall(name, "snakemake") / wall(name, "weir shell")
        snake = (f"snakemake takes {vs_snake:.1f}x weir's time" if vs_snake != float("inf") else
                 f"snakemake did not finish in {PEER_TIMEOUT_S} s")
        goals.append(f"- processes ({name}): weir is {vs_make:.2f}x make -j2's time (goal: within 1.2x) "
                     f"{verdict(vs_make <= 1.2)}; {snake} (goal: about 10x)")
    noop_name = "wide-10k" if "wide-10k" in results else "wide-1k"
    tasks = len(graphs[noop_name][1])
    rate = tasks / wall(noop_name, "weir noop")
    running_ms = statistics.median(run[2] for run in PHASES[(noop_name, "weir noop")])
    goals.append(f"- in-process ({noop_name}, `noop`, state durable; goal: at least 10,000 tasks/s): "
                 f"{rate:,.0f} tasks/s for the whole `weir run` {verdict(rate >= 10000)}; "
                 f"{tasks / running_ms * 1000:,.0f} tasks/s from the first task's start to the last one's end "
                 f"{verdict(tasks / running_ms * 1000 >= 10000)}")
    goals.append(f"- hand-off latency: median {statistics.median(gaps):.0f} ms "
                 f"(goal: under 1 ms at the median) {verdict(sum(1 for g in gaps if g == 0) > len(gaps) / 2)}")
    goals.append(f"- a dying task's process: noticed in {max(deaths):.0f} ms at most (goal: within 1 s) "
                 f"{verdict(max(deaths) < 1000)}")
    lines += ["Goals (issue 5):", ""] + goals + [""]

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
