#!/usr/bin/env python3
"""A webhook receiver for tests: records every POST as a JSON line and checks its signature.

usage: webhook_receiver.py OUT.jsonl SECRET_FILE [FAIL_FIRST_N]
Prints "port=N" on stderr once listening. Answers 500 to the first FAIL_FIRST_N requests (default 0), 204 after.
Each line: {"path", "content_type", "signature_valid", "body"} where the signature
"t=<unix>,v1=<hex HMAC-SHA256(secret, '<t>.' + body)>" is checked independently of the aggregator.
"""
import hashlib, hmac, json, signal, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

out_path, secret_path = sys.argv[1], sys.argv[2]
fail_first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
secret = open(secret_path, "rb").read().split(b"\n")[0]
lock = threading.Lock()
seen = [0]


def valid(header, body):
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        expected = hmac.new(secret, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts["v1"])
    except Exception:
        return False


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            seen[0] += 1
            n = seen[0]
            with open(out_path, "a") as f:
                f.write(json.dumps({
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "signature_valid": valid(self.headers.get("X-Citywatch-Signature", ""), body),
                    "status": 500 if n <= fail_first else 204,
                    "body": json.loads(body),
                }) + "\n")
        self.send_response(500 if n <= fail_first else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


# The parent may ignore or block SIGTERM, and both survive exec: unblock it and stop on it explicitly.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"port={server.server_address[1]}", file=sys.stderr, flush=True)
server.serve_forever()
