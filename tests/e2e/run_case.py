#!/usr/bin/env python3
"""Runs one end-to-end case: a project plus a script of steps, driven
through the real `weir` binary in a temporary copy of the project.

A case is a folder holding `project/` (copied to a fresh temporary folder,
which is every step's working directory) and `steps`, a script of blocks
separated by blank lines:

    # a comment
    run ok                      <- header: run ok | run error EXIT | sh ok | sh error EXIT
    weir validate               <- command (one or more lines; run by bash)
    ----                        <- optional: what the output must show
    ok: 1 pipeline, 2 tasks

Expectations after `----` (stdout and stderr together, ANSI codes removed):
    ----            every expected line, in order, equals an output line
                    (output lines in between are allowed)
    ---- exactly    the output's lines are exactly these
    ---- errors     the output's `file:line:col: error[code]` lines are
                    exactly these `file:line:col code` pairs, in order:
                    errors are matched by code and location, not wording
    ---- absent     no output line contains any of these texts

`run` steps put the weir binary first on PATH; `sh` steps are plain bash
(for marker files, kill -9 and the like). Both see $WEIR (the binary) and
$CASE_DIR (the case folder), and, in a case with a `needs-postgres` file,
$WEIR_TEST_PG_PORT: the port of the private PostgreSQL cluster on
127.0.0.1 (superuser `postgres` trusted; `weir_etl`, password
`etl-secret`). In a case with a `needs-s3` file, run_case.py starts s3rver
(npm, installed by scripts/setup.sh) on 127.0.0.1 for the case's steps, with
one bucket, and stops it after them; steps see $WEIR_TEST_S3_ENDPOINT
(http://127.0.0.1:PORT), $WEIR_TEST_S3_BUCKET (weir-e2e), and
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY set to the keys it takes. A failing
step prints what it ran, what it expected and what came out, and the case
exits 1.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
ERROR_LINE = re.compile(r"^(\S+):\s*error\[([^\]]+)\]")
HEADER = re.compile(r"^(run|sh) (ok|error (\d+))$")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
S3RVER_SCRIPT = os.path.join(REPO, "third_party", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js")


class S3rver:
    """s3rver on 127.0.0.1, on a port the kernel picks, with one bucket and
    its data under `work`; as src/connectors/tests/s3_test_server.cc runs it."""
    BUCKET = "weir-e2e"
    KEY = "S3RVER"  # the key pair s3rver takes (it checks no signature)

    def __init__(self, work):
        if not os.path.exists(S3RVER_SCRIPT):
            sys.exit(f"s3rver is not installed at {S3RVER_SCRIPT}: run scripts/setup.sh")
        node = shutil.which("node")
        if node is None:
            sys.exit("node is not installed: run scripts/setup.sh")
        data = os.path.join(work, "s3rver")
        os.makedirs(data)
        self.log_path = os.path.join(work, "s3rver.log")
        with open(self.log_path, "wb") as log:
            # The legacy provider: s3rver encrypts continuation tokens with DES.
            self.proc = subprocess.Popen(
                [node, "--openssl-legacy-provider", S3RVER_SCRIPT, "--directory", data, "--address", "127.0.0.1",
                 "--port", "0", "--silent", "--configure-bucket", self.BUCKET],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        listening = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
        give_up = time.monotonic() + 60
        while True:
            with open(self.log_path, errors="replace") as log:
                m = listening.search(log.read())
            if m:
                self.endpoint = "http://127.0.0.1:" + m.group(1)
                return
            if self.proc.poll() is not None or time.monotonic() > give_up:
                self.stop()
                sys.exit("s3rver did not start:\n" + open(self.log_path, errors="replace").read())
            time.sleep(0.05)  # between two looks at its log

    def export(self, env):
        for name in ("AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
            env.pop(name, None)
        env.update({"WEIR_TEST_S3_ENDPOINT": self.endpoint, "WEIR_TEST_S3_BUCKET": self.BUCKET,
                    "AWS_ACCESS_KEY_ID": self.KEY, "AWS_SECRET_ACCESS_KEY": self.KEY})

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Step:
    def __init__(self, line_no, kind, exit_code):
        self.line_no = line_no
        self.kind = kind
        self.exit_code = exit_code
        self.command = []
        self.mode = None
        self.expected = []


def parse_steps(path):
    steps, step, in_expect = [], None, False
    with open(path) as f:
        for no, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if step is None:
                if not line.strip() or line.startswith("#"):
                    continue
                m = HEADER.match(line)
                if not m:
                    sys.exit(f"{path}:{no}: expected 'run ok', 'run error N', 'sh ok' or 'sh error N', got {line!r}")
                step = Step(no, m.group(1), 0 if m.group(2) == "ok" else int(m.group(3)))
                in_expect = False
            elif not line.strip():
                steps.append(step)
                step = None
            elif line.startswith("----") and not in_expect:
                in_expect = True
                step.mode = line[4:].strip() or "lines"
                if step.mode not in ("lines", "exactly", "errors", "absent"):
                    sys.exit(f"{path}:{no}: unknown expectation '{step.mode}'")
            elif in_expect:
                step.expected.append(line)
            else:
                step.command.append(line)
    if step is not None:
        steps.append(step)
    return steps


def check_output(step, lines):
    """Returns a description of the mismatch, or None."""
    if step.mode is None:
        return None
    if step.mode == "exactly":
        return None if lines == step.expected else "output differs"
    if step.mode == "errors":
        got = []
        for line in lines:
            m = ERROR_LINE.match(line)
            if m:
                got.append(f"{m.group(1)} {m.group(2)}")
        if got == step.expected:
            return None
        return "errors differ; got:\n  " + "\n  ".join(got)
    if step.mode == "absent":
        for text in step.expected:
            for line in lines:
                if text in line:
                    return f"found {text!r} in: {line}"
        return None
    pos = 0
    for want in step.expected:
        while pos < len(lines) and lines[pos] != want:
            pos += 1
        if pos == len(lines):
            return f"missing line (in order): {want!r}"
        pos += 1
    return None


def run_step(step, env, cwd, timeout):
    script = "\n".join(step.command)
    try:
        proc = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if e.stdout else ""
        return None, out
    return proc.returncode, proc.stdout.decode(errors="replace")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weir", required=True)
    parser.add_argument("--case", required=True)
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    case_dir = os.path.abspath(args.case)
    steps = parse_steps(os.path.join(case_dir, "steps"))
    work = tempfile.mkdtemp(prefix="weir-e2e-" + os.path.basename(case_dir) + "-")
    project = os.path.join(work, "project")
    if os.path.isdir(os.path.join(case_dir, "project")):
        shutil.copytree(os.path.join(case_dir, "project"), project)
    else:
        os.makedirs(project)
    weir = os.path.abspath(args.weir)
    env = dict(os.environ)
    env["WEIR"] = weir
    env["CASE_DIR"] = case_dir
    env["TERM"] = "dumb"
    env["PATH"] = os.path.dirname(weir) + os.pathsep + env.get("PATH", "")
    if os.path.exists(os.path.join(case_dir, "needs-postgres")):
        port_file = os.path.join(env.get("WEIR_TEST_PG_STATE", ""), "port")
        if not os.path.exists(port_file):
            sys.exit(f"{case_dir} needs the postgres cluster: run it through ctest (fixture.postgres.start)")
        env["WEIR_TEST_PG_PORT"] = open(port_file).read().strip()
    s3rver = None
    if os.path.exists(os.path.join(case_dir, "needs-s3")):
        s3rver = S3rver(work)
        s3rver.export(env)

    try:
        failed = run_steps(steps, env, project, args.timeout)
    finally:
        if s3rver is not None:
            s3rver.stop()
    if args.keep or failed:
        print(f"(work folder kept: {work})")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def run_steps(steps, env, project, timeout):
    """Runs the steps in order until one fails; returns the number failed."""
    failed = 0
    for step in steps:
        code, out = run_step(step, env, project, timeout)
        lines = [ANSI.sub("", l) for l in out.splitlines()]
        problem = None
        if code is None:
            problem = f"timed out after {timeout}s"
        elif code != step.exit_code:
            problem = f"exit code {code}, expected {step.exit_code}"
        else:
            problem = check_output(step, lines)
        where = f"steps:{step.line_no}"
        if problem:
            failed += 1
            print(f"FAIL {where}: {problem}\n--- command:\n{chr(10).join(step.command)}")
            if step.expected:
                print(f"--- expected ({step.mode}):\n" + "\n".join(step.expected))
            print("--- output:\n" + "\n".join(lines) + "\n---")
            break  # later steps depend on this one
        print(f"ok   {where}: {step.command[0] if step.command else ''}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
