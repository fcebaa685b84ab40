#!/usr/bin/env python3
"""The expected SCD-2 history of the case's snapshots, computed here from
the source rows of each load, as dbt's documentation describes snapshots:

- a new key gets a version valid from its updated_at (timestamp) or from
  the snapshot time (check), valid to NULL (or dbt_valid_to_current);
- a changed row (timestamp: its updated_at is later than the current
  version's dbt_valid_from; check: a checked column differs, NULLs
  included) closes the current version at that same time and gets a new
  one;
- a key gone from the source: `ignore` keeps its version current,
  `invalidate` closes it at the snapshot time, `new_record` closes it and
  adds a copy marked dbt_is_deleted = 'True', current until the key comes
  back (then closed like a changed row);
- dbt_scd_id is md5 of the key's values and the version's updated_at
  joined with '|' (a deletion record: of the closed version's dbt_scd_id
  and the snapshot time).

Usage (the case's working folder is the project; TZ=UTC):
  oracle.py source N         SQL that loads round N's source tables
  oracle.py mark N start|end record the wall time around round N's run
  oracle.py compare N        every snapshot table (and the model on one)
                             equals its history after rounds 1..N
"""
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys

# Round N's rows of raw.customers: (id, name, tier, updated_at).
A = (1, "Ada", "gold", "2024-01-01 10:00:00")
CUSTOMERS = {
    1: [A, (2, "Bo", "silver", "2024-01-01 10:00:00"), (3, "Cy", "bronze", "2024-01-01 10:00:00"),
        (4, "Di", "silver", "2024-01-02 09:30:00")],
    # 2 updated; 3's tier changes but not its updated_at (only check sees
    # it); 4 deleted; 5 inserted.
    2: [A, (2, "Bob", "silver", "2024-01-03 08:00:00"), (3, "Cy", "gold", "2024-01-01 10:00:00"),
        (5, "Ed", "gold", "2024-01-03 12:00:00")],
    # 1 deleted; 4 back, changed.
    3: [(2, "Bob", "silver", "2024-01-03 08:00:00"), (3, "Cy", "gold", "2024-01-01 10:00:00"),
        (4, "Di", "gold", "2024-01-04 07:15:00"), (5, "Ed", "gold", "2024-01-03 12:00:00")],
}
CUSTOMERS[4] = CUSTOMERS[3]  # nothing new
# 1 back exactly as it was; 2's tier becomes NULL; 5 updated.
CUSTOMERS[5] = [A, (2, "Bob", None, "2024-01-05 09:00:00"), (3, "Cy", "gold", "2024-01-01 10:00:00"),
                (4, "Di", "gold", "2024-01-04 07:15:00"), (5, "Ed", "platinum", "2024-01-05 16:45:00")]
CUSTOMER_COLUMNS = ["id", "name", "tier", "updated_at"]

# raw.order_lines: (order_id, line, qty).
LINES = {1: [(1, 1, 5), (1, 2, 6), (2, 1, 7)], 2: [(1, 1, 5), (1, 2, 9), (2, 1, 7)], 3: [(1, 1, 5), (1, 2, 9)]}
LINES[4] = LINES[3]
LINES[5] = [(1, 1, 5), (1, 2, 9), (2, 1, 7), (3, 1, 1)]
LINE_COLUMNS = ["order_id", "line", "qty"]

FOREVER = "9999-12-31 00:00:00"


class Snapshot:
    def __init__(self, table, strategy, deletes, keys, columns, rounds, checked=None, valid_to_current=None):
        self.table, self.strategy, self.deletes, self.keys = table, strategy, deletes, keys
        self.columns, self.rounds = columns, rounds
        self.checked = checked or columns
        self.valid_to_current = valid_to_current


SNAPSHOTS = [Snapshot(f"main_history.customers_{s}_{m}", "timestamp" if s == "ts" else "check", d, ["id"],
                      CUSTOMER_COLUMNS, CUSTOMERS)
             for s in ("ts", "check") for m, d in (("ignore", "ignore"), ("invalidate", "invalidate"),
                                                  ("new", "new_record"))]
SNAPSHOTS.append(Snapshot("raw_history.order_lines_history", "check", "invalidate", ["order_id", "line"], LINE_COLUMNS,
                          LINES, checked=["qty"], valid_to_current=FOREVER))


def sql_value(v):
    if v is None:
        return "NULL"
    return str(v) if isinstance(v, int) else "'" + v + "'"


def source_sql(n):
    rows = lambda data: ", ".join("(" + ", ".join(sql_value(v) for v in r) + ")" for r in data)
    return ("CREATE SCHEMA IF NOT EXISTS raw; "
            "CREATE OR REPLACE TABLE raw.customers (id INTEGER, name VARCHAR, tier VARCHAR, updated_at TIMESTAMP); "
            f"INSERT INTO raw.customers VALUES {rows(CUSTOMERS[n])}; "
            "CREATE OR REPLACE TABLE raw.order_lines (order_id INTEGER, line INTEGER, qty INTEGER); "
            f"INSERT INTO raw.order_lines VALUES {rows(LINES[n])};")


def when(text):
    return dt.datetime.fromisoformat(text)


def md5(parts):
    return hashlib.md5("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


def expected_history(snap, times):
    """The table after rounds 1..len(times): a list of dicts, one per version.
    times[i] is round i+1's snapshot time as DuckDB prints it."""
    versions = []
    for n, now in enumerate(times, start=1):
        source = {tuple(r[snap.columns.index(k)] for k in snap.keys): dict(zip(snap.columns, r))
                  for r in snap.rounds[n]}
        current = {v["key"]: v for v in versions if v["dbt_valid_to"] in (None, snap.valid_to_current)}
        first = not versions

        def new_version(key, row, is_deleted="False", updated_at=None, scd=None):
            stamp = updated_at or (row["updated_at"] if snap.strategy == "timestamp" else now)
            v = dict(row, key=key, dbt_updated_at=stamp, dbt_valid_from=stamp, dbt_valid_to=snap.valid_to_current,
                     dbt_scd_id=scd or md5(list(key) + [stamp]))
            if snap.deletes == "new_record":
                v["dbt_is_deleted"] = is_deleted
            versions.append(v)

        for key, row in source.items():
            cur = None if first else current.get(key)
            if cur is None:
                new_version(key, row)
                continue
            if snap.strategy == "timestamp":
                changed = when(cur["dbt_valid_from"]) < when(row["updated_at"])
            else:
                changed = any(cur[c] != row[c] for c in snap.checked)
            if changed or cur.get("dbt_is_deleted") == "True":
                new_version(key, row)
                cur["dbt_valid_to"] = versions[-1]["dbt_valid_from"]
        if snap.deletes == "ignore" or first:
            continue
        for key, cur in current.items():
            if key in source or cur.get("dbt_is_deleted") == "True":
                continue
            cur["dbt_valid_to"] = now
            if snap.deletes == "new_record":
                data = {c: cur[c] for c in snap.columns}
                new_version(key, data, "True", now, md5([cur["dbt_scd_id"], now]))
    return versions


def weir_rows(sql):
    out = subprocess.run(["weir", "query", "--format", "json", sql], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"weir query failed: {out.stdout}{out.stderr}")
    return json.loads(out.stdout)


def table_rows(snap):
    extra = ", dbt_is_deleted" if snap.deletes == "new_record" else ""
    cols = ", ".join(f"{c}::VARCHAR AS {c}" for c in snap.columns)
    return weir_rows(f"SELECT {cols}, dbt_scd_id, dbt_updated_at::VARCHAR AS dbt_updated_at, "
                     f"dbt_valid_from::VARCHAR AS dbt_valid_from, dbt_valid_to::VARCHAR AS dbt_valid_to{extra} "
                     f"FROM {snap.table}")


def snapshot_times(rows, marks, n):
    """Each round's snapshot time: the one value of the table's time columns
    inside the wall-clock window around that round's run (None when the
    round left none, as when it changed nothing)."""
    utc = dt.timezone.utc
    times = []
    for r in range(1, n + 1):
        start, end = marks[str(r)]["start"], marks[str(r)]["end"]
        inside = {v for row in rows for v in (row["dbt_updated_at"], row["dbt_valid_from"], row["dbt_valid_to"])
                  if v is not None and start <= when(v).replace(tzinfo=utc).timestamp() <= end}
        if len(inside) > 1:
            sys.exit(f"round {r} used more than one snapshot time: {sorted(inside)}")
        times.append(inside.pop() if inside else None)
    return times


def null_first(row):
    """A sort key for rows that hold NULLs (None)."""
    return tuple((v is not None, v or "") for v in row)


def as_text(v):
    return None if v is None else str(v)


def compare(n):
    marks = json.load(open("marks.json"))
    failed = False
    for snap in SNAPSHOTS:
        got_rows = table_rows(snap)
        times = snapshot_times(got_rows, marks, n)
        want = expected_history(snap, times)
        keys = snap.columns + ["dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to"]
        if snap.deletes == "new_record":
            keys.append("dbt_is_deleted")
        want_rows = sorted((tuple(as_text(v[k]) for k in keys) for v in want), key=null_first)
        got = sorted((tuple(row[k] for k in keys) for row in got_rows), key=null_first)
        if got != want_rows:
            failed = True
            print(f"{snap.table} after round {n} (times {times}):\n  columns: {keys}")
            for row in sorted(set(want_rows) - set(got), key=null_first):
                print(f"  missing:    {row}")
            for row in sorted(set(got) - set(want_rows), key=null_first):
                print(f"  unexpected: {row}")
            if len(got) != len(want_rows):
                print(f"  {len(got)} rows, expected {len(want_rows)}")
        if snap.table.endswith("customers_ts_new") and n in (1, 5):
            failed |= not same_model(want)
    if failed:
        sys.exit(1)
    print(f"round {n}: {len(SNAPSHOTS)} snapshots as expected")


def same_model(history):
    """customer_versions (built by `weir build` after customers_ts_new)."""
    want = {}
    for v in history:
        count, name = want.get(v["id"], (0, None))
        want[v["id"]] = (count + 1, v["name"] if v["dbt_valid_to"] is None else name)
    got = {r["id"]: (r["versions"], r["current_name"]) for r in weir_rows("SELECT * FROM customer_versions")}
    if got != want:
        print(f"customer_versions: got {got}, expected {want}")
        return False
    return True


def mark(n, which):
    marks = json.load(open("marks.json")) if os.path.exists("marks.json") else {}
    marks.setdefault(str(n), {})[which] = dt.datetime.now(dt.timezone.utc).timestamp()
    json.dump(marks, open("marks.json", "w"))


def main():
    command, n = sys.argv[1], int(sys.argv[2])
    if command == "source":
        print(source_sql(n))
    elif command == "mark":
        mark(n, sys.argv[3])
    elif command == "compare":
        compare(n)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
