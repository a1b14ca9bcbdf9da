"""A live `oculi serve` for the benchmarks, what they read of it from /proc and its access log, and how they
sample it against their raw calls (`interleaved`) and over server processes (`median_of`).

Every benchmark that measures the server starts it the same way (a free port on 127.0.0.1, wait for
/healthz) and reads the same things of its process tree (uvicorn workers, their embedding processes): CPU time,
resident and peak memory. Processes may exit while they are being read (a recycled worker): they count as gone.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


OCULI_SERVE = [sys.executable, "-m", "oculi.cli", "serve"]


def start_server(args: list[str], env: dict[str, str] | None = None, log: Path | None = None,
                 wait_s: float = 100.0, command: list[str] = OCULI_SERVE) -> tuple[subprocess.Popen, str]:
    """`oculi serve --port P <args>` (or `command --port P <args>`) with `env` over this process's environment;
    its output goes to `log` (JSON access log lines included when OCULI_LOG_FORMAT=json) or nowhere. Returns once
    /healthz answers."""
    port = free_port()
    out = log.open("w") if log else subprocess.DEVNULL  # noqa: SIM115 (the server's until it exits)
    proc = subprocess.Popen([*command, "--port", str(port), *args],
                            env=dict(os.environ, **(env or {})), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering /healthz")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.25)
    proc.terminate()
    raise RuntimeError("server did not answer /healthz in time")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def process_tree(pid: int) -> list[int]:
    """`pid` and all its living descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            pass
    return out


def status_bytes(pid: int, field: str) -> int:
    """A memory field of /proc/PID/status (VmRSS, VmHWM...) in bytes; 0 for a process that is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    return 0


def name_of(pid: int, length: int = 60) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[-length:].strip()
    except FileNotFoundError:
        return "?"


def rss(pid: int) -> dict[int, int]:
    """Resident bytes of each process of the tree."""
    return {p: status_bytes(p, "VmRSS") for p in process_tree(pid)}


def peak_rss_mib(pid: int) -> dict[str, float]:
    """Peak resident MiB (VmHWM) of each process of the tree, keyed by "PID command"."""
    return {f"{p} {name_of(p)}": status_bytes(p, "VmHWM") / 2**20 for p in process_tree(pid)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the whole tree."""
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")


def access_log_seconds(log: Path, operation: str) -> list[float]:
    """The server's own time for each request of `operation`, in order: the access log's duration_ms
    (oculi/api/observe.py: from the app receiving the request to the last byte of its answer sent)."""
    out = []
    for line in log.read_text().splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and rec.get("operation") == operation and "duration_ms" in rec:
            out.append(rec["duration_ms"] / 1000)
    return out


def median_of(rounds: list):
    """Same-shaped results of several server processes (dicts of dicts of numbers), each number as its median
    over the rounds that have it (None and missing keys skipped; None where no round has one)."""
    first = next((r for r in rounds if r is not None), None)
    if isinstance(first, dict):
        keys = dict.fromkeys(k for r in rounds if isinstance(r, dict) for k in r)
        return {k: median_of([r.get(k) for r in rounds if isinstance(r, dict)]) for k in keys}
    if isinstance(first, (int, float)):
        return float(statistics.median(r for r in rounds if isinstance(r, (int, float))))
    return first


def interleaved(fns: list, repeat: int, block: int = 5) -> list[list[float]]:
    """Seconds of each call of each function, the functions taking turns in blocks of `block` calls (after one
    warm-up round): the machine's load moves, so each is sampled all along; and within a block each runs as a
    busy process does (one call each in turn made every request start cold, right after the bench process ran)."""
    out = [[] for _ in fns]
    for fn in fns:
        fn()
    for i in range(0, repeat, block):
        for fn, samples in zip(fns, out, strict=True):
            for _ in range(min(block, repeat - i)):
                t = time.perf_counter()
                fn()
                samples.append(time.perf_counter() - t)
    return out
