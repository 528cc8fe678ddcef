"""Fixtures for witnesses and mirrors: real servers on loopback, real witnesses, real keys.

Servers run under uvicorn in a thread on a socket bound to 127.0.0.1 port 0
(the kernel picks a free port); startup and shutdown are bounded waits.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from ledger.keyring import Keyring
from ledger.service import Ledger
from ledger.witnessing.server import WitnessApp
from ledger.witnessing.witness import Witness
from tests.conftest import Clock


@dataclass
class Served:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app: Any) -> Served:
    """Run an ASGI app on 127.0.0.1 at a free port; return once it accepts connections."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    else:
        server.should_exit = True
        raise RuntimeError("the test server did not start within 10 seconds")
    return Served(f"http://127.0.0.1:{port}", server, thread)


@pytest.fixture
def servers() -> Iterator[Callable[[Any], Served]]:
    """Start servers on demand; all are stopped at the end of the test."""
    started: list[Served] = []

    def start(app: Any) -> Served:
        served = serve(app)
        started.append(served)
        return served

    yield start
    for served in reversed(started):
        served.stop()


def new_witness(
    directory: Path, name: str, keyring: Keyring, clock: Clock | None = None
) -> Witness:
    """A witness following the keyring's log."""
    stamp = (lambda: int(clock().timestamp())) if clock is not None else None
    witness = Witness.create(directory, name)
    if stamp is not None:
        witness = Witness(directory, clock=stamp)
    witness.add_log(keyring.origin, keyring.log_vkey())
    return witness


def record_heads(
    ledger: Ledger, recorder: Any, clock: Clock, count: int, prefix: str = "H"
) -> None:
    """Append ``count`` governance statements (heads appointed and removed in turn), one per minute."""
    for i in range(count):
        clock.advance(minutes=1)
        registry = ledger.registry()
        head = registry.head if registry is not None else None
        if head is None:
            statement = recorder.sign(
                "head.appointed",
                "committee",
                {"head": f"{prefix}-{i}", "term_start": clock.stamp(), "reason": "appointed"},
            )
        else:
            statement = recorder.sign(
                "head.removed", "committee", {"head": head["head"], "reason": "rotation"}
            )
        ledger.append([statement])


@pytest.fixture
def witness_app() -> Callable[[Witness], WitnessApp]:
    return WitnessApp
