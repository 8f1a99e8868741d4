"""Kernel start-up and cell round trips, the same way for any kernelspec (jupyter_client).

Usage: kernel_roundtrip.py KERNEL_NAME SETUP_CODE CELLS_JSON N  -> JSON on stdout.

CELLS_JSON is a list of cells sent in turn, N in all, back to back (each as soon as the previous one
is idle, as Run All, nbclient and papermill send them); `{i}` in a cell is replaced by its index.
"""
import json, statistics, sys, time
from jupyter_client.manager import start_new_kernel

name, setup, cells, n = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
t0 = time.perf_counter()
km, kc = start_new_kernel(kernel_name=name, startup_timeout=120)
startup = time.perf_counter() - t0

def run(code):
    """Round trip of one cell: execute_request until the idle status on iopub. Returns (seconds, reply metadata)."""
    t = time.perf_counter()
    msg_id = kc.execute(code, store_history=True)
    reply = kc.get_shell_msg(timeout=300)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=300)
    while True:
        m = kc.get_iopub_msg(timeout=300)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    if reply["content"]["status"] != "ok":
        raise SystemExit(f"{name}: cell failed: {code!r}: {reply['content'].get('evalue')}")
    return time.perf_counter() - t, reply.get("metadata", {})

def p90(xs):
    return sorted(xs)[int(len(xs) * 0.9)]

t1 = time.perf_counter(); run(setup); setup_s = time.perf_counter() - t1
times, per_cell, check_ms = [], {c: [] for c in cells}, []
for i in range(n):
    cell = cells[i % len(cells)]
    s, meta = run(cell.replace("{i}", str(i)))
    times.append(s)
    per_cell[cell].append(s)
    if "amalgam" in meta:
        check_ms.append(meta["amalgam"].get("check_ms", 0))
first, last = times[: n // 4], times[-(n // 4):]
kc.stop_channels(); km.shutdown_kernel(now=True)
print(json.dumps({
    "kernel": name, "startup_s": startup, "setup_s": setup_s, "cells": n,
    "p50_ms": statistics.median(times) * 1e3, "p90_ms": p90(times) * 1e3,
    "first_quarter_p50_ms": statistics.median(first) * 1e3, "last_quarter_p50_ms": statistics.median(last) * 1e3,
    "per_cell": {c: {"p50_ms": statistics.median(v) * 1e3, "p90_ms": p90(v) * 1e3} for c, v in per_cell.items()},
    "check_p50_ms": statistics.median(check_ms) if check_ms else None,
    "check_p90_ms": p90(check_ms) if check_ms else None,
}))
