#!/usr/bin/env python3
"""The test server of the http_incremental case (standard library only).

    server.py DIR    listens on 127.0.0.1 on a port the kernel picks and
                     writes it to DIR/port.txt; appends each request's target
                     to DIR/requests.txt.

  /changes[?since=S][&until=U]   the records of DIR/records.json (a list of
                                 {"id", "updated_at"}, re-read on every
                                 request) with since < updated_at <= until,
                                 as {"items": [...]}.
Exits by itself after 240 s, so a failed case leaves nothing running.
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DIR = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        with open(os.path.join(DIR, "requests.txt"), "a") as log:
            log.write(self.path + "\n")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with open(os.path.join(DIR, "records.json")) as f:
            records = json.load(f)
        since, until = query.get("since", ""), query.get("until")
        items = [r for r in records if r["updated_at"] > since and (until is None or r["updated_at"] <= until)]
        body = json.dumps({"items": items}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.txt.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.txt.tmp"), os.path.join(DIR, "port.txt"))
threading.Timer(240, server.shutdown).start()
server.serve_forever()
