"""Load on loopback, bounded in count and time: 32 clients for a minute, then one client's burst of 500.

The server is the whole app (chat page, API, limits) over the real models, in
this process on 127.0.0.1. Clients are told apart by ``X-Forwarded-For`` from a
trusted proxy (loopback is configured as one here), as behind a real reverse
proxy. Asserted: no server error, refusals under the rate limit come back in
under 50 ms, and memory after the run stays within 10 % of memory after
warm-up. The figures are printed (``pytest -s``) and recorded in docs/RELIABILITY.md.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Iterator

import httpx
import pytest

from assistant.core import Assistant
from assistant.testing import ServerThread
from assistant.web.app import build_app

pytestmark = pytest.mark.model

SECONDS = float(os.environ.get("ASSISTANT_LOAD_SECONDS", "60"))
CLIENTS = 32
BURST = 500
QUESTIONS = [
    "How long should I hold a stretch?",
    "what causes back spasms",
    "is heat good for a spasm",
    "child's pose?",
    "Should I stretch during a back spasm?",
]


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


@pytest.fixture(scope="module")
def server(real_assistant: Assistant) -> Iterator[str]:
    settings = real_assistant.settings.replace(rate_limit=30, trusted_proxies=["127.0.0.1"])
    thread = ServerThread(build_app(real_assistant, settings=settings))
    url = thread.start()
    yield url
    thread.stop()


async def one_client(url: str, n: int, until: float, results: list[tuple[int, float]]) -> None:
    headers = {"X-Forwarded-For": f"198.51.100.{n}"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        i = 0
        while time.monotonic() < until:
            start = time.perf_counter()
            response = await client.post("/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]}, headers=headers)
            results.append((response.status_code, (time.perf_counter() - start) * 1000))
            i += 1
            if response.status_code == 429:
                await asyncio.sleep(0.5)


def run_clients(url: str, seconds: float) -> list[tuple[int, float]]:
    results: list[tuple[int, float]] = []

    async def main() -> None:
        until = time.monotonic() + seconds
        await asyncio.gather(*(one_client(url, n, until, results) for n in range(CLIENTS)))

    asyncio.run(main())
    return results


def run_burst(url: str) -> list[tuple[int, float]]:
    results: list[tuple[int, float]] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for i in range(BURST):
            start = time.perf_counter()
            response = client.post(
                "/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]}, headers={"X-Forwarded-For": "203.0.113.1"}
            )
            results.append((response.status_code, (time.perf_counter() - start) * 1000))
    return results


def summary(name: str, results: list[tuple[int, float]]) -> dict[int, tuple[int, float, float]]:
    by_code: dict[int, list[float]] = {}
    for code, ms in results:
        by_code.setdefault(code, []).append(ms)
    figures = {code: (len(ms), statistics.median(ms), percentile(ms, 0.95)) for code, ms in sorted(by_code.items())}
    for code, (count, p50, p95) in figures.items():
        print(f"{name}: {count} x {code}, p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    return figures


def test_load_32_clients_then_a_burst(server: str) -> None:
    run_clients(server, min(5.0, SECONDS))  # warm-up
    warm = rss_mib()
    clients = summary(f"{CLIENTS} clients x {SECONDS:.0f} s", run_clients(server, SECONDS))
    burst = summary(f"one client, burst of {BURST}", run_burst(server))
    after = rss_mib()
    print(f"RSS after warm-up {warm:.0f} MiB, after the run {after:.0f} MiB ({after / warm - 1:+.1%})")

    for figures in (clients, burst):
        assert not [code for code in figures if code >= 500], figures
        assert set(figures) <= {200, 429}, figures
    assert clients[200][0] > 0 and burst[200][0] >= 1
    assert burst[429][0] >= BURST - 40  # the bucket holds 30 and refills at 0.5 a second
    assert burst[429][2] < 50  # p95 of a refusal
    assert after <= warm * 1.10
