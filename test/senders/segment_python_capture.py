"""Drives the published segment-analytics-python client against a capture server (test/senders/capture-server.ts).

Usage: python segment_python_capture.py '<json options>'
  {"host": "http://127.0.0.1:4700/prod", "gzip": false, "retries": 2, "marker": null,
   "clients": [{"writeKey": "wk_test", "calls": ["track", "identify", "page", "screen", "group", "alias"]}]}

Each entry of "clients" is its own Client (own consumer thread), all flushed at the same time.
Prints one JSON line: {"version": ..., "errors": {writeKey: [{"error": str, "status": int|null, "code": str|null,
"count": n}]}}: what each client reported through on_error (its only failure signal).
Needs `pip install segment-analytics-python` (a throwaway venv; see docs/senders/segment.md).
"""
import json
import sys
import threading

from segment.analytics import Client
from segment.analytics.version import VERSION


def run_calls(client, calls, marker=None):
    """The six calls; with a marker (the LocalStack end-to-end test), it is in each event's properties, traits or context."""
    m = {"marker": marker} if marker else {}
    for call in calls:
        if call == "track":
            client.track(user_id="u1", event="Clicked", properties={"a": 1, **m})
        elif call == "identify":
            client.identify(user_id="u1", traits={"email": "a@b.c", **m})
        elif call == "page":
            client.page(user_id="u1", category="Docs", name="Home", properties={"url": "http://x", **m})
        elif call == "screen":
            client.screen(user_id="u1", name="Main", properties=m)
        elif call == "group":
            client.group(user_id="u1", group_id="g1", traits={"n": 1, **m})
        elif call == "alias":
            client.alias(previous_id="u1", user_id="u2", context=m)


def main():
    opts = json.loads(sys.argv[1])
    errors = {}
    clients = []
    for spec in opts["clients"]:
        key = spec["writeKey"]
        errors[key] = []

        def on_error(err, batch, key=key):
            errors[key].append({
                "error": str(err),
                "status": getattr(err, "status", None),
                "code": getattr(err, "code", None),
                "count": len(batch),
            })

        client = Client(
            write_key=key,
            host=opts["host"],
            gzip=bool(opts.get("gzip", False)),
            max_retries=int(opts.get("retries", 2)),
            on_error=on_error,
            upload_interval=0.2,
            timeout=float(opts.get("timeout", 5)),
        )
        run_calls(client, spec.get("calls", ["track", "identify", "page", "screen", "group", "alias"]), opts.get("marker"))
        clients.append(client)
    flushes = [threading.Thread(target=c.flush) for c in clients]
    for t in flushes:
        t.start()
    for t in flushes:
        t.join()
    for c in clients:
        c.shutdown()
    print(json.dumps({"version": VERSION, "errors": errors}))


if __name__ == "__main__":
    main()
