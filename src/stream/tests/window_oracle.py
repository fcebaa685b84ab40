#!/usr/bin/env python3
"""The windows a stream job must emit, worked out offline from its events.

Usage: window_oracle.py EVENTS.jsonl KIND SIZE_MS SLIDE_MS GAP_MS LATENESS_MS

EVENTS.jsonl holds the events in the order they were produced to a single
partition: {"user_id": ..., "ts": ISO-8601 time, "amount": int}. An event
is late when every window it belongs to ends at or before the watermark
(newest event time so far minus the lateness). The oracle checks that the
data leaves no doubt about that however the job cuts its batches (an event
is late against the events long before it, or on time against all of them)
and prints, one JSON object a line, sorted, every window that the final
watermark closes: user_id, window_start, window_end, n, total.
"""
import json
import sys
from datetime import datetime, timezone

BATCH_ROWS = 50  # the test's batch.max_rows: events this far back were in an earlier batch


def epoch_ms(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def shown(ms):
    """As DuckDB writes a TIMESTAMP in JSON: milliseconds only when there are some."""
    text = datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    fraction = f"{ms % 1000:03d}".rstrip("0")
    return text + ("." + fraction if fraction else "")


def last_window_end(t, kind, size, slide, gap):
    if kind == "session":
        return t + gap
    return (t // slide) * slide + size


def on_time_events(events, kind, size, slide, gap, lateness):
    kept = []
    for i, e in enumerate(events):
        end = last_window_end(e["t"], kind, size, slide, gap)
        before = [x["t"] for x in events[:i]]
        long_before = [x["t"] for x in events[: max(0, i - BATCH_ROWS)]]
        late_now = bool(before) and end <= max(before) - lateness
        late_surely = bool(long_before) and end <= max(long_before) - lateness
        if late_now != late_surely:
            sys.exit(f"event {i} is late or not depending on the batches: make the test data clearer")
        if not late_now:
            kept.append(e)
    return kept


def windows_of(events, kind, size, slide, gap):
    """(user, start, end) -> events, offline."""
    out = {}
    if kind == "session":
        for user in sorted({e["user_id"] for e in events}):
            session = []
            for e in sorted((e for e in events if e["user_id"] == user), key=lambda e: e["t"]):
                if session and e["t"] - session[-1]["t"] >= gap:
                    out[(user, session[0]["t"], session[-1]["t"] + gap)] = session
                    session = []
                session.append(e)
            if session:
                out[(user, session[0]["t"], session[-1]["t"] + gap)] = session
        return out
    for e in events:
        start = (e["t"] // slide) * slide
        while start + size > e["t"]:
            out.setdefault((e["user_id"], start, start + size), []).append(e)
            start -= slide
    return out


def main():
    path, kind = sys.argv[1], sys.argv[2]
    size, slide, gap, lateness = (int(v) for v in sys.argv[3:7])
    events = []
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            e["t"] = epoch_ms(e["ts"])
            events.append(e)
    kept = on_time_events(events, kind, size, slide, gap, lateness)
    watermark = max(e["t"] for e in events) - lateness
    rows = []
    for (user, start, end), members in windows_of(kept, kind, size, slide, gap).items():
        if end <= watermark:
            rows.append({"user_id": user, "window_start": shown(start), "window_end": shown(end),
                         "n": len(members), "total": sum(m["amount"] for m in members)})
    for row in sorted(rows, key=lambda r: (r["window_start"], r["window_end"], r["user_id"])):
        print(json.dumps(row, sort_keys=True))
    print(json.dumps({"late": len(events) - len(kept)}))


main()
