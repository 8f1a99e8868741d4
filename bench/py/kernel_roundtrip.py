"""Kernel start-up and small-cell round trip, the same way for any kernelspec (jupyter_client).
Usage: kernel_roundtrip.py KERNEL_NAME SETUP_CODE SMALL_CELL N  -> JSON on stdout."""
import json, statistics, sys, time
from jupyter_client.manager import start_new_kernel

name, setup, small, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t0 = time.perf_counter()
km, kc = start_new_kernel(kernel_name=name, startup_timeout=120)
startup = time.perf_counter() - t0

def run(code):
    t = time.perf_counter()
    msg_id = kc.execute(code, store_history=True)
    reply = kc.get_shell_msg(timeout=300)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=300)
    # wait for idle on iopub: the round trip a notebook user sees ends there
    while True:
        m = kc.get_iopub_msg(timeout=300)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    if reply["content"]["status"] != "ok":
        raise SystemExit(f"{name}: cell failed: {code!r}: {reply['content'].get('evalue')}")
    return time.perf_counter() - t

t1 = time.perf_counter(); run(setup); setup_s = time.perf_counter() - t1
times = [run(small.replace("{i}", str(i))) for i in range(n)]
first, last = times[: n // 4], times[-(n // 4):]
kc.stop_channels(); km.shutdown_kernel(now=True)
print(json.dumps({"kernel": name, "startup_s": startup, "setup_s": setup_s,
                  "p50_ms": statistics.median(times) * 1e3, "p90_ms": sorted(times)[int(n * 0.9)] * 1e3,
                  "first_quarter_p50_ms": statistics.median(first) * 1e3, "last_quarter_p50_ms": statistics.median(last) * 1e3, "cells": n}))
