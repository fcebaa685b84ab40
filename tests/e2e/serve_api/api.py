#!/usr/bin/env python3
"""Talks to the `weir serve` of this case (its address is in url.txt, which
the steps write from the "serving on" line) and prints what the steps
compare. Every request has a timeout; `wait` polls a bounded number of
times.

    api.py trigger PIPELINE DATE [name=value...]   -> "STATUS STATE DS" and run.txt
    api.py wait RUN STATE...                       -> the run's state once it is one of STATE
    api.py runs PIPELINE                           -> "id ds state type" per run, as `weir runs` shows
    api.py log RUN TASK [QUERY]                    -> the log text
    api.py get PATH / post PATH [BODY]             -> "STATUS" and the error code, if any
    api.py json PATH EXPR [BODY]                   -> EXPR (Python) evaluated on the JSON answer `j`
                                                      (to a POST of BODY when given)
    api.py text PATH                               -> the answer's text (metrics, /)
    api.py big PATH BYTES                          -> "STATUS CODE" of a POST with a body that large
    api.py method METHOD PATH                      -> "STATUS CODE"
A server that does not answer: "down", exit 1.
"""
import json
import sys
import time
import urllib.error
import urllib.request

URL = open("url.txt").read().strip()


def request(method, path, body=None):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(URL + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def error_code(text):
    try:
        return json.loads(text).get("error", {}).get("code", "")
    except (ValueError, AttributeError):
        return ""


def main(args):
    cmd = args[0]
    if cmd == "trigger":
        params = dict(a.split("=", 1) for a in args[3:])
        status, text = request("POST", f"/api/v1/pipelines/{args[1]}/runs", json.dumps({"date": args[2], "params": params}))
        run = json.loads(text)
        if status == 201:
            open("run.txt", "w").write(str(run["id"]))
            print(status, run["state"], run["ds"])
        else:
            print(status, error_code(text))
    elif cmd == "wait":
        wanted = args[2:]
        for _ in range(600):  # 60 s at most
            state = json.loads(request("GET", f"/api/v1/runs/{args[1]}")[1])["state"]
            if state in wanted:
                print(state)
                return
            time.sleep(0.1)  # between two looks at the run
        sys.exit(f"run {args[1]} never became {wanted}; it is {state}")
    elif cmd == "runs":
        runs = json.loads(request("GET", f"/api/v1/runs?pipeline={args[1]}")[1])["runs"]
        for r in runs:
            print(r["id"], r["ds"], r["state"], r["run_type"])
    elif cmd == "log":
        query = ("?" + args[3]) if len(args) > 3 else ""
        status, text = request("GET", f"/api/v1/runs/{args[1]}/tasks/{args[2]}/log{query}")
        sys.stdout.write(text)
    elif cmd in ("get", "post"):
        status, text = request(cmd.upper(), args[1], args[2] if len(args) > 2 else ("{}" if cmd == "post" else None))
        print(status, error_code(text))
    elif cmd == "json":
        if len(args) > 3:
            j = json.loads(request("POST", args[1], args[3])[1])
        else:
            j = json.loads(request("GET", args[1])[1])
        print(eval(args[2], {}, {"j": j}))
    elif cmd == "text":
        sys.stdout.write(request("GET", args[1])[1])
    elif cmd == "big":
        status, text = request("POST", args[1], b" " * int(args[2]))
        print(status, error_code(text))
    elif cmd == "method":
        status, text = request(args[1], args[2])
        print(status, error_code(text))
    else:
        sys.exit("unknown command " + cmd)


try:
    main(sys.argv[1:])
except urllib.error.URLError:
    print("down")
    sys.exit(1)
