"""A send0 webhook receiver with the standard library only (``http.server``).

    SEND0_WEBHOOK_SECRET=whsec_... python examples/python/receiver_stdlib.py --port 3000

The same contract as ``receiver_flask.py``: POST /webhooks/send0 answers 200 for a verified
delivery and 400 with the reason otherwise. Options: ``--port N`` (0 picks a free one),
``--ready-file PATH`` (receives the URL once listening), ``--expect N`` (exit after N verified
deliveries, printing a summary).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from send0 import Webhooks
from send0.errors import WebhookVerificationError

PATH = "/webhooks/send0"


class ReceiverServer(HTTPServer):
    """An HTTP server that holds the secrets and counts verified and rejected deliveries."""

    def __init__(self, address: Tuple[str, int], secrets: List[str], expect: Optional[int]) -> None:
        super().__init__(address, WebhookHandler)
        self.secrets = secrets
        self.expect = expect
        self.verified = 0
        self.rejected = 0
        self.done = threading.Event()


class WebhookHandler(BaseHTTPRequestHandler):
    server: ReceiverServer

    def do_POST(self) -> None:
        if self.path != PATH:
            self.reply(404, {"error": "not_found", "message": f"POST your webhooks to {PATH}"})
            return
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.reply(411, {"error": "length_required", "message": "send a Content-Length"})
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            # The raw bytes as read from the socket, and http.server's headers as they are.
            event = Webhooks.verify(body, self.headers, self.server.secrets)
        except WebhookVerificationError as error:
            # The hint (the likely cause) goes to the log, never into the answer.
            hint = f" (hint: {error.hint})" if error.hint else ""
            print(f"receiver: rejected a delivery: {error.kind}: {error.message}{hint}", flush=True)
            self.server.rejected += 1
            self.reply(400, {"error": error.kind, "message": error.message})
            return
        data = json.dumps(event.data, separators=(",", ":"))
        print(
            f"receiver: verified {event.type:<24} id={event.id} service={event.service} "
            f"livemode={event.livemode} data={data}",
            flush=True,
        )
        self.server.verified += 1
        self.reply(200, {"received": True})
        if self.server.expect is not None and self.server.verified >= self.server.expect:
            self.server.done.set()

    def reply(self, status: int, body: Dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    parser.add_argument("--ready-file", type=Path, help="write the URL here once listening")
    parser.add_argument("--expect", type=int, help="exit after this many verified deliveries")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    secrets = os.environ.get("SEND0_WEBHOOK_SECRET", "").split()
    if not secrets:
        print("set SEND0_WEBHOOK_SECRET to the endpoint's whsec_ secret", file=sys.stderr)
        return 2
    # One request at a time (HTTPServer is not threaded): a delivery is answered in full before
    # the serving loop sees a shutdown request.
    server = ReceiverServer((args.host, args.port), secrets, args.expect)
    url = f"http://{args.host}:{server.server_port}{PATH}"
    print(f"receiver: listening on {url}", flush=True)
    if args.ready_file:
        partial = args.ready_file.with_name(args.ready_file.name + ".partial")
        partial.write_text(url)
        partial.replace(args.ready_file)
    serving = threading.Thread(target=server.serve_forever, name="http.server", daemon=True)
    serving.start()
    try:
        server.done.wait()  # without --expect: until Ctrl-C
    except KeyboardInterrupt:
        pass
    server.shutdown()
    server.server_close()
    print(f"receiver: {server.verified} verified, {server.rejected} rejected", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
