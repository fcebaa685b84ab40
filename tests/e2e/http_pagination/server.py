#!/usr/bin/env python3
"""The test server of the http_pagination case (standard library only).

    server.py DIR    listens on 127.0.0.1 on a port the kernel picks and
                     writes it to DIR/port.txt; appends "STATUS METHOD TARGET
                     AUTHORIZATION" for every request to DIR/requests.txt.

Paths:
  /orders?page=N&per_page=K   120 orders in pages of K, {"data": [...],
                              "meta": {"total": 120}}; page 2 answers 503
                              (Retry-After: 1) the first time it is asked.
  /events[?after=C]           three pages chained by $.next_cursor; the
                              second answers 429 the first time; one event
                              of page 3 is a string (a reject).
  /oauth/token                a client-credentials token endpoint: Basic
                              weir:<DIR/secret.txt> gets a fresh token
                              (tok-<random>-N), anything else 401.
  /secure?page=N              two pages for the current token, 401 for
                              any other.
  /broken?page=N              page 2 is an HTML maintenance page.
Exits by itself after 240 s, so a failed case leaves nothing running.
"""
import base64
import json
import os
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DIR = sys.argv[1]
lock = threading.Lock()
seen = {}
tokens = []


def orders(first, count):
    return [{"order_id": i, "amount": round(i * 1.25, 2), "customer": f"c{i % 7}"} for i in range(first, first + count)]


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
        with open(os.path.join(DIR, "requests.txt"), "a") as f:
            f.write(f"{status} {self.command} {self.path} {self.headers.get('Authorization', '-')}\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        secret = open(os.path.join(DIR, "secret.txt")).read().strip()
        expected = "Basic " + base64.b64encode(f"weir:{secret}".encode()).decode()
        if urlsplit(self.path).path != "/oauth/token" or self.headers.get("Authorization") != expected:
            self.reply(401, {"error": "invalid_client"})
            return
        with lock:
            tokens.append(f"tok-{secrets.token_hex(12)}-{len(tokens) + 1}")
            token = tokens[-1]
        with open(os.path.join(DIR, "tokens.txt"), "a") as f:
            f.write(token + "\n")
        self.reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with lock:
            seen[self.path] = seen.get(self.path, 0) + 1
            n = seen[self.path]
        page = int(query.get("page", "1"))
        if url.path == "/orders":
            if page == 2 and n == 1:
                self.reply(503, "busy", [("Retry-After", "1")])
                return
            size = int(query["per_page"])
            first = (page - 1) * size
            self.reply(200, {"data": orders(first, max(0, min(size, 120 - first))), "meta": {"total": 120}})
        elif url.path == "/events":
            after = query.get("after", "")
            if after == "c2" and n == 1:
                self.reply(429, "slow down", [("Retry-After", "1")])
                return
            pages = {"": ([{"id": 1, "type": "view"}, {"id": 2, "type": "click"}], "c2"),
                      "c2": ([{"id": 3, "type": "view"}, {"id": 4, "type": "buy", "value": 9.5}], "c3"),
                      "c3": ([{"id": 5, "type": "view"}, "not an event"], None)}
            events, cursor = pages[after]
            self.reply(200, {"events": events, "next_cursor": cursor})
        elif url.path == "/secure":
            with lock:
                current = tokens[-1] if tokens else None
            if current is None or self.headers.get("Authorization") != f"Bearer {current}":
                self.reply(401, f"bad token: {self.headers.get('Authorization')}")
                return
            self.reply(200, {"items": [{"sku": f"s{page}-{i}"} for i in range(2 if page < 2 else 1)]})
        elif url.path == "/broken":
            if page == 2:
                self.reply(200, "<html>maintenance</html>")
            else:
                self.reply(200, [{"id": 1}])
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
