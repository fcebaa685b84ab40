#!/usr/bin/env python3
"""The test servers of the callbacks case (standard library only).

    servers.py DIR    starts, on 127.0.0.1 and ports the kernel picks:
      - a webhook server: appends every request to DIR/requests.jsonl as
        {"method", "path", "headers", "body"}; /unstable answers 500 twice,
        then 200; every other path answers 200;
      - an SMTP sink speaking just enough SMTP for libcurl (EHLO/HELO,
        MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT): appends every message
        to DIR/mail.jsonl as {"from", "to", "data"}.
    and writes their ports to DIR/hook_port.txt and DIR/smtp_port.txt.
Exits by itself after 240 s, so a case that fails before its last step
leaves nothing running.
"""
import json
import os
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
lock = threading.Lock()
counts = {}


def append(name, record):
    with lock, open(os.path.join(DIR, name), "a") as f:
        f.write(json.dumps(record) + "\n")


def write_port(name, port):
    path = os.path.join(DIR, name)
    with open(path + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(path + ".tmp", path)


class Hook(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        append("requests.jsonl", {"method": "POST", "path": self.path, "headers": dict(self.headers.items()),
                                  "body": json.loads(body) if body else None})
        with lock:
            counts[self.path] = counts.get(self.path, 0) + 1
            n = counts[self.path]
        status = 500 if self.path == "/unstable" and n <= 2 else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Smtp(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink ESMTP")
        sender, recipients = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode(errors="replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                sender, recipients = line[10:].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line[8:].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    data = self.rfile.readline().decode(errors="replace").rstrip("\r\n")
                    if data == ".":
                        break
                    lines.append(data[1:] if data.startswith("..") else data)
                append("mail.jsonl", {"from": sender, "to": recipients, "data": "\n".join(lines)})
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP and anything else
                self.reply("250 OK")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True


def main():
    hooks = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    mail = SmtpServer(("127.0.0.1", 0), Smtp)
    threading.Thread(target=mail.serve_forever, daemon=True).start()
    write_port("smtp_port.txt", mail.server_address[1])
    write_port("hook_port.txt", hooks.server_address[1])
    threading.Timer(240, hooks.shutdown).start()
    hooks.serve_forever()


if __name__ == "__main__":
    main()
