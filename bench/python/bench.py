"""The Python SDK beside its peers, both sides in one process, one run.

    target/venv-python/bin/python bench/python/bench.py [--rounds 15] [--server PATH]

1. Webhook verification: ``send0.Webhooks.verify`` beside ``standardwebhooks.Webhook.verify`` (which
   also parses the JSON) on a send0 envelope of 1 KiB, 64 KiB and 1 MiB: same body, same headers,
   same secret, a fresh timestamp, both verifying successfully. Also, for the analysis, the
   signature-only forms (``Webhooks.verify_raw`` and ``verify(..., json_parse=False)``), and
   ``Webhooks.verify`` beside the bare ``hmac.new(key, msg, sha256).digest()`` over the same signed
   content (``{msg_id}.{timestamp}.{body}``, the key already decoded): the floor. Run twice:
   with the allocator's defaults, then ("warm heap") with glibc told to keep freed memory, which
   takes the page faults of fresh megabyte allocations out of the 1 MiB figures.
2. The API client against a local send0-server (the release build when there is one): 1,000
   sequential ``Send0.webhooks.get`` beside ``httpx.Client`` sending the same GET (same URL, same
   Authorization header, then ``.json()``), and 1,000 concurrent gets (``asyncio.gather``) with
   ``AsyncSend0`` beside ``httpx.AsyncClient`` (with send0's 60 s timeout; once with httpx's default
   pool of 100 connections, once with no limit).

The two sides of a verification comparison alternate within every round (send0 first in even rounds, the peer
first in odd ones) so that drift in the machine's speed falls on both. Figures are medians over the
rounds; "±" is half the interquartile range, relative to the median. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import ctypes
import hashlib
import hmac
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import httpx
import standardwebhooks

import send0

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk_test_send0_local"
SIZES = [("1 KiB", 1024), ("64 KiB", 64 * 1024), ("1 MiB", 1024 * 1024)]


@dataclass
class Sample:
    """Seconds per operation, one value per round."""

    values: List[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> float:
        if len(self.values) < 4:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.values, n=4)
        return (q3 - q1) / 2 / self.median


@dataclass
class Row:
    name: str
    send0: Sample
    peer_name: str
    peer: Sample
    goal: str
    met: Optional[bool]

    @property
    def speedup(self) -> float:
        """Peer time ÷ send0 time: above 1 means send0 is faster."""
        return self.peer.median / self.send0.median


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}" if seconds / scale < 100 else f"{seconds / scale:.0f} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_sample(sample: Sample) -> str:
    return f"{fmt_time(sample.median)} ±{sample.spread * 100:.1f}%"


# ---------------------------------------------------------------------------------------------
# Verification


def envelope(size: int, event_id: str) -> bytes:
    """A send0 ``email.delivered`` envelope padded to exactly ``size`` bytes (its ``data.html``
    carries the bulk), as in the Rust core's criterion benchmark."""
    head = (
        f'{{"eventId":"{event_id}","type":"email.delivered","service":"email","data":{{"email_id":'
        '"em_3mKpLvRw9nQx","from":"billing@acme.test","to":["ada@example.test"],"subject":"Invoice","html":"'
    )
    tail = '"},"livemode":false,"createdAt":1775989798500}'
    filler = size - len(head) - len(tail)
    text = ("Hello Ada, your invoice is attached. " * (filler // 37 + 1))[:filler]
    body = (head + text + tail).encode()
    assert len(body) == size
    return body


def calibrate(func: Callable[[], object], target: float = 0.05) -> int:
    """How many calls take about ``target`` seconds."""
    number = 1
    while True:
        elapsed = timeit.Timer(func).timeit(number)
        if elapsed >= target / 5:
            return max(1, int(number * target / elapsed))
        number *= 10


def compare(a: Callable[[], object], b: Callable[[], object], rounds: int) -> Tuple[Sample, Sample]:
    """Per-call seconds of ``a`` and ``b``, alternating which goes first (timeit: GC off while timing)."""
    number = min(calibrate(a), calibrate(b))
    ta: List[float] = []
    tb: List[float] = []
    for r in range(rounds):
        order = [(a, ta), (b, tb)] if r % 2 == 0 else [(b, tb), (a, ta)]
        for func, out in order:
            out.append(timeit.Timer(func).timeit(number) / number)
    return Sample(ta), Sample(tb)


def bench_verify(rounds: int, suffix: str = "") -> List[Row]:
    rows: List[Row] = []
    for label, size in SIZES:
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        event_id = "evt_a1b2c3d4-e5f6-7890-abcd-ef1234567890"
        body = envelope(size, event_id)
        timestamp = int(time.time())  # fresh for each size: both sides check the 5-minute tolerance
        headers = {
            "webhook-id": event_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": send0.Webhooks.sign(secret, event_id, timestamp, body),
        }
        peer = standardwebhooks.Webhook(secret)  # decodes the secret once, as an app would at start-up
        # Both succeed on exactly these inputs, and agree on the signature.
        assert peer.sign(event_id, datetime.fromtimestamp(timestamp, tz=timezone.utc), body.decode()) == headers["webhook-signature"]
        assert send0.Webhooks.verify(body, headers, secret).id == event_id
        assert peer.verify(body, headers)["eventId"] == event_id

        ours, theirs = compare(
            lambda: send0.Webhooks.verify(body, headers, secret), lambda: peer.verify(body, headers), rounds
        )
        goal, met = {
            "1 KiB": ("≥ 2x faster", ours.median * 2 <= theirs.median),
            "1 MiB": ("no slower", ours.median <= theirs.median),
        }.get(label, ("", None))
        rows.append(Row(f"verify {label}{suffix}", ours, "standardwebhooks verify", theirs, goal, met))

        # `data` is parsed when first read; reading it counts the parse the peer does eagerly.
        with_data, theirs_again = compare(
            lambda: send0.Webhooks.verify(body, headers, secret).data, lambda: peer.verify(body, headers), rounds
        )
        goal, met = ("≥ 2x faster", with_data.median * 2 <= theirs_again.median) if label == "1 KiB" else ("(analysis)", None)
        rows.append(
            Row(f"verify, then read .data {label}{suffix}", with_data, "standardwebhooks verify", theirs_again, goal, met)
        )

        # The floor: HMAC-SHA256 of the signed content alone, in CPython (OpenSSL), key decoded.
        key = base64.b64decode(secret.removeprefix("whsec_"))
        signed = f"{event_id}.{timestamp}.".encode() + body
        assert base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode() == headers["webhook-signature"][3:]
        against_hmac, bare = compare(
            lambda: send0.Webhooks.verify(body, headers, secret),
            lambda: hmac.new(key, signed, hashlib.sha256).digest(),
            rounds,
        )
        goal, met = ("≤ 2.0x hmac's time", against_hmac.median <= 2 * bare.median) if label == "1 KiB" else ("(analysis)", None)
        rows.append(Row(f"verify vs bare hmac {label}{suffix}", against_hmac, "hmac.new(...).digest()", bare, goal, met))

        raw_ours, raw_theirs = compare(
            lambda: send0.Webhooks.verify_raw(body, headers, secret),
            lambda: peer.verify(body, headers, json_parse=False),
            rounds,
        )
        rows.append(
            Row(f"signature only {label}{suffix}", raw_ours, "… json_parse=False", raw_theirs, "(analysis)", None)
        )
    return rows


# ---------------------------------------------------------------------------------------------
# The API client


def server_binary(given: Optional[str]) -> Path:
    if given:
        return Path(given)
    for build in ("release", "debug"):
        path = ROOT / "target" / build / "send0-server"
        if path.exists():
            return path
    raise SystemExit("no send0-server: cargo build --release -p send0-server")


def start_server(binary: Path, workdir: Path) -> Tuple["subprocess.Popen[bytes]", str]:
    ready = workdir / "ready"
    server = subprocess.Popen(
        [str(binary), "--port", "0", "--ready-file", str(ready)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while not (ready.exists() and ready.read_text().strip()):
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit("send0-server did not start")
        time.sleep(0.02)
    return server, ready.read_text().strip()


def compare_rounds(a: Callable[[], float], b: Callable[[], float], rounds: int) -> Tuple[Sample, Sample]:
    ta: List[float] = []
    tb: List[float] = []
    for r in range(rounds):
        order = [(a, ta), (b, tb)] if r % 2 == 0 else [(b, tb), (a, ta)]
        for func, out in order:
            out.append(func())
    return Sample(ta), Sample(tb)


def bench_client(base_url: str, rounds: int, requests: int) -> List[Row]:
    auth = {"Authorization": f"Bearer {API_KEY}"}
    client = send0.Send0(API_KEY, base_url=base_url)
    endpoint = client.webhooks.create(url="https://example.com/webhooks/send0", description="benchmark")
    url = f"{base_url.rstrip('/')}/v1/webhooks/{endpoint.id}"
    hx = httpx.Client(headers=auth)
    assert client.webhooks.get(endpoint.id).id == hx.get(url).json()["id"] == endpoint.id

    def send0_sequential() -> float:
        get = client.webhooks.get
        start = time.perf_counter()
        for _ in range(requests):
            get(endpoint.id)
        return time.perf_counter() - start

    def httpx_sequential() -> float:
        start = time.perf_counter()
        for _ in range(requests):
            response = hx.get(url)
            response.raise_for_status()
            response.json()
        return time.perf_counter() - start

    send0_sequential(), httpx_sequential()  # warm up: connections, caches
    seq_ours, seq_theirs = compare_rounds(send0_sequential, httpx_sequential, rounds)
    rows = [
        Row(f"{requests:,} sequential gets", seq_ours, "httpx.Client", seq_theirs, "within 1.2x",
            seq_ours.median <= 1.2 * seq_theirs.median),
    ]
    hx.close()

    async def run_async() -> List[Sample]:
        aclient = send0.AsyncSend0(API_KEY, base_url=base_url)
        # httpx's default pool (100 connections, 5 s pool timeout) raises PoolTimeout when 1,000
        # requests queue for it (encode/httpx#1171), so both httpx clients get send0's 60 s timeout;
        # one keeps the default connection limit, one has none (like send0's client).
        pooled = httpx.AsyncClient(headers=auth, timeout=60)
        unlimited = httpx.AsyncClient(
            headers=auth, timeout=60, limits=httpx.Limits(max_connections=None, max_keepalive_connections=None)
        )

        async def send0_concurrent() -> float:
            start = time.perf_counter()
            await asyncio.gather(*(aclient.webhooks.get(endpoint.id) for _ in range(requests)))
            return time.perf_counter() - start

        def httpx_concurrent(ahx: httpx.AsyncClient) -> Callable[[], Awaitable[float]]:
            async def one() -> Any:
                response = await ahx.get(url)
                response.raise_for_status()
                return response.json()

            async def run() -> float:
                start = time.perf_counter()
                await asyncio.gather(*(one() for _ in range(requests)))
                return time.perf_counter() - start

            return run

        # Side after side, each round right after the previous one: the first round opens the
        # connections (timed apart as "cold"), the others reuse them. (Interleaving the sides would
        # leave each pool idle long enough for the server to close its connections: hyper drops a
        # keep-alive connection that sends nothing for 30 s.)
        sides = [send0_concurrent, httpx_concurrent(pooled), httpx_concurrent(unlimited)]
        cold: List[Sample] = []
        warm: List[Sample] = []
        for side in sides:
            cold.append(Sample([await side()]))
            warm.append(Sample([await side() for _ in range(rounds)]))
        await pooled.aclose()
        await unlimited.aclose()
        return cold + warm

    cold_ours, cold_pooled, cold_unlimited, ours, pooled_sample, unlimited_sample = asyncio.run(run_async())
    for label, theirs, ours_, note in (
        ("httpx.AsyncClient", pooled_sample, ours, ""),
        ("… max_connections=None", unlimited_sample, ours, ""),
        ("httpx.AsyncClient", cold_pooled, cold_ours, ", first round (opens the connections)"),
        ("… max_connections=None", cold_unlimited, cold_ours, ", first round (opens the connections)"),
    ):
        rows.append(
            Row(f"{requests:,} concurrent gets{note}", ours_, label, theirs, "within 1.2x",
                ours_.median <= 1.2 * theirs.median)
        )
    client.webhooks.delete(endpoint.id)
    return rows


# ---------------------------------------------------------------------------------------------


def table(rows: List[Row]) -> str:
    lines = [
        "| benchmark | send0 | peer | peer time | send0 speed-up (peer ÷ send0) | send0 ÷ peer time | goal | met |",
        "|---|---:|---|---:|---:|---:|---|---|",
    ]
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(
            f"| {row.name} | {fmt_sample(row.send0)} | {row.peer_name} | {fmt_sample(row.peer)} | "
            f"{row.speedup:.2f}x | {1 / row.speedup:.2f}x | {row.goal} | {met} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="send0 (Python) beside standardwebhooks and httpx")
    parser.add_argument("--rounds", type=int, default=15, help="rounds per comparison (default 15)")
    parser.add_argument("--requests", type=int, default=1000, help="gets per client round (default 1000)")
    parser.add_argument("--server", help="the send0-server binary (default: target/release, else target/debug)")
    parser.add_argument("--skip-client", action="store_true", help="verification only")
    args = parser.parse_args()

    print(
        f"# send0 {send0.__version__}, standardwebhooks {_version('standardwebhooks')}, httpx {httpx.__version__}; "
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    rows = bench_verify(args.rounds)
    # The same comparison once more with freed memory kept by the allocator: what is left is the
    # CPU work of each side, without the page faults of fresh megabyte allocations.
    if keep_freed_memory():
        rows += bench_verify(args.rounds, " (warm heap)")
    if not args.skip_client:
        binary = server_binary(args.server)
        print(f"# server: {binary.relative_to(ROOT) if binary.is_relative_to(ROOT) else binary}", flush=True)
        with tempfile.TemporaryDirectory() as workdir:
            server, base_url = start_server(binary, Path(workdir))
            try:
                rows += bench_client(base_url, max(3, args.rounds // 2), args.requests)
            finally:
                server.terminate()
                server.wait()
    print(table(rows))
    print(f"# load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sys.stdout.flush()
    return 0


def keep_freed_memory() -> bool:
    """glibc only: keep freed memory in the process (no trimming, large blocks from the heap), so
    that a loop allocating and freeing megabytes stops paying the kernel's page faults each time."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(libc.mallopt(m_trim_threshold, 1 << 30)) and bool(libc.mallopt(m_mmap_threshold, 32 << 20))


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    sys.exit(main())
