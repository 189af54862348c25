#!/usr/bin/env python3
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# A stand-in for the Jaeger agent's compact-Thrift UDP port, for the soak (benchmarks/soak/run.sh). It decodes
# nothing: it counts datagrams, their bytes, the largest one and how many are over 65,000 bytes (the limit
# obs4j's Jaeger exporter keeps to). Loopback only; stdlib only.
#
#   udp_agent.py --ready FILE --summary FILE [--port 0] [--rcvbuf 4194304] [--max-seconds 3600]
#
# Binds 127.0.0.1:PORT (0: a free port), then writes "PORT PID" to --ready. SIGUSR1 writes a snapshot
# of the counts to --summary; SIGTERM, SIGINT or --max-seconds write the final summary there and end it.
# The summary is JSON: datagrams, bytes, max_bytes, over_65000, rcvbuf (what the kernel granted; Linux
# reports twice the size asked for), first_at/last_at (epoch seconds), final.
import argparse
import json
import os
import signal
import socket
import time

LIMIT = 65_000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--rcvbuf", type=int, default=4 * 1024 * 1024)
    p.add_argument("--ready", required=True)
    p.add_argument("--summary", required=True)
    p.add_argument("--max-seconds", type=float, default=3600)
    args = p.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # A small buffer loses the bursts a batch export makes (several 65,000-byte datagrams back to back).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    granted = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    sock.bind(("127.0.0.1", args.port))
    sock.settimeout(0.5)  # so that signals and --max-seconds are seen promptly

    counts = {"datagrams": 0, "bytes": 0, "max_bytes": 0, "over_65000": 0,
              "rcvbuf_asked": args.rcvbuf, "rcvbuf": granted, "first_at": None, "last_at": None}
    state = {"stop": False, "snapshot": False}

    def write(final):
        out = dict(counts, final=final, written_at=time.time())
        tmp = args.summary + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
        os.replace(tmp, args.summary)

    signal.signal(signal.SIGTERM, lambda *_: state.update(stop=True))
    signal.signal(signal.SIGINT, lambda *_: state.update(stop=True))
    signal.signal(signal.SIGUSR1, lambda *_: state.update(snapshot=True))

    tmp = args.ready + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{sock.getsockname()[1]} {os.getpid()}\n")
    os.replace(tmp, args.ready)

    # IPv4 UDP payloads are at most 65,507 bytes, so this buffer never truncates one.
    buf = bytearray(65_536)
    deadline = time.monotonic() + args.max_seconds
    while not state["stop"] and time.monotonic() < deadline:
        if state["snapshot"]:
            state["snapshot"] = False
            write(False)
        try:
            n = sock.recv_into(buf)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        now = time.time()
        counts["datagrams"] += 1
        counts["bytes"] += n
        if n > counts["max_bytes"]:
            counts["max_bytes"] = n
        if n > LIMIT:
            counts["over_65000"] += 1
        if counts["first_at"] is None:
            counts["first_at"] = now
        counts["last_at"] = now
    write(True)


if __name__ == "__main__":
    main()
