"""`python -m clinic.observability.exporter`: the metrics of a worker or beat machine.

Serves what the processes of this machine counted (PROMETHEUS_MULTIPROC_DIR, the
folder they write to) on a port of its own, for Prometheus on the internal
network only (bind it to an internal address; the web's `/metrics` needs a token,
this port is kept private by the firewall instead).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from prometheus_client import CollectorRegistry, multiprocess, start_http_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clinic.observability.exporter")
    parser.add_argument("--address", default="127.0.0.1", help="default 127.0.0.1")
    parser.add_argument("--port", type=int, default=9101, help="default 9101")
    args = parser.parse_args(argv)
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        print("set PROMETHEUS_MULTIPROC_DIR to the workers' metrics folder", file=sys.stderr)
        return 2
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(args.port, addr=args.address, registry=registry)
    print(f"metrics on http://{args.address}:{args.port}/metrics", flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
