#!/usr/bin/env python3
"""The test server of the http_retries case (standard library only).

    server.py DIR    listens on 127.0.0.1 on a port the kernel picks and
                     writes it to DIR/port.txt; appends "METHOD PATH" for
                     every request to DIR/requests.txt and the Authorization
                     header it received to DIR/auth.txt.

Paths: /flaky answers 503 twice, then a JSON page; /limited answers 429 with
Retry-After: 1 once, then a JSON page; /missing answers 404; /secure answers
a JSON page; /echo answers 401 with the Authorization header it got in the
body (so the client must redact it). Exits by itself after 240 s, so a case
that fails before its last step leaves nothing running.
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
counts = {}
lock = threading.Lock()

PAGE = {"meta": {"page": 1}, "data": [
    {"order_id": 1, "amount": "10.50", "qty": 2, "paid": True},
    {"order_id": 2, "amount": "3.25", "qty": 1, "paid": False},
    "not a record",
    {"order_id": 3, "amount": None, "qty": 5, "paid": True},
]}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        auth = self.headers.get("Authorization", "")
        with lock:
            counts[path] = counts.get(path, 0) + 1
            n = counts[path]
            with open(os.path.join(DIR, "requests.txt"), "a") as f:
                f.write(f"{self.command} {path}\n")
            with open(os.path.join(DIR, "auth.txt"), "a") as f:
                f.write(f"{path} {auth}\n")
        if path == "/flaky":
            if n <= 2:
                self.reply(503, "busy, try again")
            else:
                self.reply(200, PAGE)
        elif path == "/limited":
            if n == 1:
                self.reply(429, "slow down", [("Retry-After", "1")])
            else:
                self.reply(200, PAGE)
        elif path == "/secure":
            self.reply(200, {"data": [{"ok": True}]})
        elif path == "/echo":
            self.reply(401, f"rejected credentials: {auth}")
        else:
            self.reply(404, "no such page")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_file = os.path.join(DIR, "port.txt")
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    threading.Timer(240, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
