#!/usr/bin/env python3
"""Scheduler overhead: a generated DAG of 1,000 `true` tasks (10 layers of
100, each task after two tasks of the layer before) run by `weir run
--threads 2` against `make -j2` and `ninja -j2` on the same graph, in one
run. Every weir state change is committed to SQLite before it is shown.

Before any ratio is printed, each tool must have run all 1,000 tasks: weir's
state store must record 1,000 successful task instances, and make and ninja
must each have executed 1,000 recipes (counted through a log they append to).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

LAYERS, WIDTH, REPEATS = 10, 100, 5


def task_name(layer, i):
    return f"l{layer}_t{i}"


def upstream(layer, i):
    return [] if layer == 0 else [task_name(layer - 1, i), task_name(layer - 1, (i + 1) % WIDTH)]


def write_weir_project(root):
    os.makedirs(os.path.join(root, "pipelines"))
    with open(os.path.join(root, "weir.yml"), "w") as f:
        f.write("name: bench\n")
    with open(os.path.join(root, "pipelines", "wide.yml"), "w") as f:
        f.write("pipeline: wide\ntasks:\n")
        for layer in range(LAYERS):
            for i in range(WIDTH):
                f.write(f"  - id: {task_name(layer, i)}\n    kind: shell\n    command: \"true\"\n")
                if layer:
                    f.write(f"    after: [{', '.join(upstream(layer, i))}]\n")


def write_makefile(path, count_log):
    with open(path, "w") as f:
        names = [task_name(l, i) for l in range(LAYERS) for i in range(WIDTH)]
        f.write(".PHONY: all " + " ".join(names) + "\nall: " + " ".join(names) + "\n")
        for layer in range(LAYERS):
            for i in range(WIDTH):
                f.write(f"{task_name(layer, i)}: {' '.join(upstream(layer, i))}\n\t@true && echo x >> {count_log}\n")


def write_ninja(path, count_log):
    with open(path, "w") as f:
        f.write(f"rule run\n  command = true && echo x >> {count_log}\n")
        for layer in range(LAYERS):
            for i in range(WIDTH):
                deps = " ".join(upstream(layer, i))
                f.write(f"build {task_name(layer, i)}: run" + (f" || {deps}" if deps else "") + "\n")


def timed(cmd, cwd):
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def count_lines(path):
    with open(path) as f:
        return sum(1 for _ in f)


def measure_weir(weir, work):
    times = []
    for r in range(REPEATS):
        root = os.path.join(work, f"weir-{r}")
        write_weir_project(root)
        times.append(timed([weir, "run", "wide", "--date", "2024-01-01", "--threads", "2"], root))
        status = subprocess.run([weir, "status", "wide"], cwd=root, check=True, capture_output=True, text=True).stdout
        done = sum(1 for line in status.splitlines() if line.startswith("  l") and " success " in line)
        if done != LAYERS * WIDTH:
            sys.exit(f"weir ran {done} tasks successfully, expected {LAYERS * WIDTH}")
    return times


def measure_peer(tool, work):
    times = []
    for r in range(REPEATS):
        root = os.path.join(work, f"{tool}-{r}")
        os.makedirs(root)
        log = os.path.join(root, "count.log")
        if tool == "make":
            write_makefile(os.path.join(root, "Makefile"), log)
            cmd = ["make", "-j2", "all"]
        else:
            write_ninja(os.path.join(root, "build.ninja"), log)
            cmd = ["ninja", "-j2"]
        times.append(timed(cmd, root))
        if count_lines(log) != LAYERS * WIDTH:
            sys.exit(f"{tool} ran {count_lines(log)} recipes, expected {LAYERS * WIDTH}")
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weir", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    weir = os.path.abspath(args.weir)
    work = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work", "orchestration")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    results = {"weir run --threads 2": measure_weir(weir, work),
               "make -j2": measure_peer("make", work),
               "ninja -j2": measure_peer("ninja", work)}
    medians = {k: statistics.median(v) for k, v in results.items()}
    make = medians["make -j2"]
    lines = [
        "## Orchestration overhead: 1,000 `true` tasks",
        "",
        "10 layers of 100 tasks, each after two tasks of the layer before; every tool runs all",
        "1,000 (checked before the ratio is printed). weir commits every state change to SQLite.",
        "Medians of %d repeats; ratio = weir time / tool time." % REPEATS,
        "",
        "| tool | median (s) | all runs (s) | weir / tool |",
        "| --- | ---: | --- | ---: |",
    ]
    for tool, times in results.items():
        ratio = medians["weir run --threads 2"] / medians[tool]
        shown = "—" if tool.startswith("weir") else f"{ratio:.2f}"
        lines.append(f"| {tool} | {medians[tool]:.2f} | {', '.join(f'{t:.2f}' for t in times)} | {shown} |")
    goal = medians["weir run --threads 2"] / make
    lines += ["", f"Goal (Foundation I): within 1.5x of make -j2. Now: {goal:.2f}x.", ""]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
