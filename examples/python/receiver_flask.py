"""A send0 webhook receiver in Flask: every delivery is verified before it is trusted.

    SEND0_WEBHOOK_SECRET=whsec_... python examples/python/receiver_flask.py --port 3000

POST /webhooks/send0 answers 200 for a verified delivery and 400 with the reason otherwise (send0
records the answer in the delivery log and retries later). Options: ``--port N`` (0 picks a free
one), ``--ready-file PATH`` (receives the URL once listening), ``--expect N`` (exit after N verified
deliveries, printing a summary; for scripts and the demo). SEND0_WEBHOOK_SECRET may hold several
secrets separated by spaces, as during a secret rotation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from pathlib import Path
from typing import Callable, List, Optional

from flask import Flask, request
from flask.typing import ResponseReturnValue
from werkzeug.serving import make_server

from send0 import WebhookEvent, Webhooks
from send0.errors import WebhookVerificationError


def create_app(
    secrets: List[str],
    on_event: Callable[[WebhookEvent], None],
    on_rejected: Callable[[WebhookVerificationError], None] = lambda error: None,
) -> Flask:
    """The Flask app: one route that verifies, then hands the event to ``on_event``."""
    app = Flask(__name__)

    @app.post("/webhooks/send0")
    def send0_webhook() -> ResponseReturnValue:
        # The raw bytes, exactly as received: never request.get_json() (a re-serialized body no
        # longer matches its signature).
        try:
            event = Webhooks.verify(request.get_data(), request.headers, secrets)
        except WebhookVerificationError as error:
            # error.kind: missing_header, invalid_timestamp, timestamp_too_old, timestamp_too_new,
            # invalid_signature, invalid_secret or invalid_payload. error.hint (the likely cause)
            # is for the log only: the answer says what failed, not how to get past it.
            on_rejected(error)
            return {"error": error.kind, "message": error.message}, 400
        on_event(event)
        return {"received": True}, 200

    return app


class Tally:
    """Counts verified and rejected deliveries and tells when the expected number has arrived."""

    def __init__(self, expect: Optional[int]) -> None:
        self.expect = expect
        self.verified = 0
        self.rejected = 0
        self.done = threading.Event()
        self._lock = threading.Lock()

    def on_event(self, event: WebhookEvent) -> None:
        data = json.dumps(event.data, separators=(",", ":"))
        print(
            f"receiver: verified {event.type:<24} id={event.id} service={event.service} "
            f"livemode={event.livemode} data={data}",
            flush=True,
        )
        with self._lock:
            self.verified += 1
            if self.expect is not None and self.verified >= self.expect:
                self.done.set()

    def on_rejected(self, error: WebhookVerificationError) -> None:
        hint = f" (hint: {error.hint})" if error.hint else ""
        print(f"receiver: rejected a delivery: {error.kind}: {error.message}{hint}", flush=True)
        with self._lock:
            self.rejected += 1


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    parser.add_argument("--ready-file", type=Path, help="write the URL here once listening")
    parser.add_argument("--expect", type=int, help="exit after this many verified deliveries")
    return parser.parse_args(argv)


def write_ready_file(path: Path, url: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(url)
    partial.replace(path)  # atomic: a reader never sees half a URL


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    secrets = os.environ.get("SEND0_WEBHOOK_SECRET", "").split()
    if not secrets:
        print("set SEND0_WEBHOOK_SECRET to the endpoint's whsec_ secret", file=sys.stderr)
        return 2
    tally = Tally(args.expect)
    app = create_app(secrets, tally.on_event, tally.on_rejected)

    # Werkzeug's server, single-threaded: each response is written in full before the serving loop
    # looks at a shutdown request, so the last expected delivery is always answered.
    server = make_server(args.host, args.port, app)
    url = f"http://{args.host}:{server.server_port}/webhooks/send0"
    print(f"receiver: listening on {url}", flush=True)
    if args.ready_file:
        write_ready_file(args.ready_file, url)
    serving = threading.Thread(target=server.serve_forever, name="werkzeug", daemon=True)
    serving.start()
    try:
        tally.done.wait()  # without --expect: until Ctrl-C
    except KeyboardInterrupt:
        pass
    server.shutdown()
    server.server_close()
    print(f"receiver: {tally.verified} verified, {tally.rejected} rejected", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
