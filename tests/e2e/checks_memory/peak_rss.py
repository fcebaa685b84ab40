"""Runs a command as a child process and fails when its peak memory, the
ru_maxrss that os.wait4 returns for it (the child's VmHWM), is above a
bound, or when it exits with another code than expected. The child's
output passes through.

usage: peak_rss.py --max-mb N [--exit CODE] -- COMMAND [ARG...]
"""
import argparse
import os
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-mb", type=int, required=True)
    parser.add_argument("--exit", type=int, default=0, help="the exit code the command must return")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    proc = subprocess.Popen(args.command)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    peak_mb = usage.ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB (bound {args.max_mb} MB)", file=sys.stderr)
    if proc.returncode != args.exit:
        sys.exit(f"peak_rss: {args.command[0]} exited {proc.returncode}, expected {args.exit}")
    if peak_mb > args.max_mb:
        sys.exit(f"peak_rss: {args.command[0]} peaked at {peak_mb:.0f} MB, above the bound of {args.max_mb} MB")


if __name__ == "__main__":
    main()
