#!/usr/bin/env python3
"""Writes docs/benchmarks.md: the common header (date, machine) followed by
the markdown section each benchmark script wrote.

usage: report.py OUT.md SECTION.md [SECTION.md...]
"""
import datetime
import os
import platform
import sys


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gb():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
    except OSError:
        pass
    return "unknown memory"


def header():
    return "\n".join([
        "# Benchmarks",
        "",
        "Written by `bench/run.sh`; every figure comes from one run on one machine, with each",
        "peer measured in the same run; ratio = weir / peer (below 1.0 means weir is faster or",
        "smaller). Other work may share the machine: compare ratios, not absolute figures.",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {os.cpu_count()} cores, {cpu_model()}, {memory_gb()}, {platform.system()} {platform.release()}",
        "",
    ])


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    parts = [header()]
    for path in sys.argv[2:]:
        with open(path) as f:
            parts.append(f.read().strip("\n") + "\n")
    os.makedirs(os.path.dirname(os.path.abspath(sys.argv[1])), exist_ok=True)
    with open(sys.argv[1], "w") as f:
        f.write("\n".join(parts))


if __name__ == "__main__":
    main()
