"""The shop's outside peers for the benchmarks, in a process of their own: an SMTP server and an
HTTP warehouse that accept everything and say what arrived.

    python bench/peers.py

Prints `ready SMTP_PORT HTTP_PORT`, then a line `KIND ORDER_NUMBER TIME` for each confirmation
email and fulfilment request as it arrives (TIME: the wall clock, seconds since the epoch).
Run in its own process so that the peers' work is not counted as the shop's, nor slows the
process that sends the load.
"""

import email
import email.policy
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

_out = threading.Lock()


def arrived(kind: str, number: str) -> None:
    with _out:
        sys.stdout.write(f"{kind} {number} {time.time():.6f}\n")
        sys.stdout.flush()


class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        subject = email.message_from_bytes(envelope.content, policy=email.policy.default)["Subject"]
        if subject.startswith("Your order "):  # "Your order PS-7K4M-9QX2 is confirmed"
            arrived("confirmation", subject.split()[2])
        return "250 OK"


class Warehouse(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        arrived("fulfilment", body["order_number"])
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        smtp_port = sock.getsockname()[1]
    smtp = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    warehouse = ThreadingHTTPServer(("127.0.0.1", 0), Warehouse)
    threading.Thread(target=warehouse.serve_forever, daemon=True).start()
    print(f"ready {smtp_port} {warehouse.server_address[1]}", flush=True)
    try:
        sys.stdin.read()  # until the benchmark closes our stdin
    finally:
        smtp.stop()
        warehouse.shutdown()


if __name__ == "__main__":
    main()
