#!/usr/bin/env python3
"""The data-checks benchmark of issue 7: 20 typical checks over an orders
table of 10M and 50M rows, Weir against pandas, in one run.

  weir     `weir test --checks bench --json out.json` on a project whose
           checks/bench.yml holds the 20 checks on `path: orders.parquet`
  pandas   the same 20 checks the way Great Expectations' pandas backend
           runs them: read_csv with dtypes, then vectorised column
           operations (Debian's pandas has no Parquet engine, so it reads the
           same rows as CSV; its load and check times are reported apart)

The data comes from one seeded DuckDB SQL generator (run by
bench/duckdb_sql): unique order ids with a few injected duplicates, amounts
with NULL, negative, NaN and out-of-range values, a few invalid statuses,
malformed and unicode e-mails, unparseable ship dates, a month of
timestamps with a few before it. It is written once as Parquet (for Weir)
and as CSV (for pandas) and kept under bench/work/quality/data: the same
seed and row count give the same rows.

Each side runs as its own child process; its wall time is measured here and
its peak RSS is the ru_maxrss that os.wait4 returns. The pandas child is
capped with RLIMIT_AS (--pandas-memory-gb, 16 GiB by default) so that it
cannot take the machine down: a MemoryError or a kill is reported as "out
of memory at N rows" and pandas is not run at larger sizes.

Before any ratio is printed, every check's observed value must agree
between the two (counts exactly, floats to a relative 1e-9; percentile is
DuckDB's quantile_cont against pandas' linear interpolation); a
disagreement stops the benchmark.

Weir's peak memory is then taken apart: the suite is run again without
each check whose aggregate keeps values in memory (count(DISTINCT) keeps
every distinct value, quantile_cont every value) and without failing-row
samples, so that a peak that grows with the rows is traced to the check
that causes it; and once more with the warehouse's memory_limit, beyond
which DuckDB spills its hash tables to disk.

usage: quality.py --weir WEIR --duckdb-sql RUNNER --out SECTION.md
                  [--python /usr/bin/python3] [--rows 10000000,50000000]
                  [--repeats 3] [--seed 7] [--pandas-memory-gb 16]
       quality.py pandas-child ORDERS.csv RESULT.json   (the pandas side)
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work", "quality")

# The generator. hash(i, seed, k) (DuckDB's, deterministic for a given
# DuckDB build) drives column k; shifts take independent bits of one hash.
GENERATOR_SQL = """
WITH r AS (
  SELECT i, (hash(i, {seed}, 1) >> 1)::BIGINT AS h1, (hash(i, {seed}, 2) >> 1)::BIGINT AS h2,
         (hash(i, {seed}, 3) >> 1)::BIGINT AS h3, (hash(i, {seed}, 4) >> 1)::BIGINT AS h4,
         (hash(i, {seed}, 5) >> 1)::BIGINT AS h5, (hash(i, {seed}, 6) >> 1)::BIGINT AS h6
  FROM range({rows}) AS t(i)
), o AS (
  SELECT
    CASE WHEN i % 100003 = 100002 THEN i ELSE i + 1 END::BIGINT AS order_id,
    CASE WHEN h1 % 200 = 0 THEN NULL ELSE 1 + (h1 >> 8) % 1000000 END::BIGINT AS customer_id,
    CASE WHEN h2 % 100 = 0 THEN NULL
         WHEN h2 % 1000 = 1 THEN 'NaN'::DOUBLE
         WHEN h2 % 500 = 2 THEN -((h2 >> 10) % 5000 + 1) / 100.0
         WHEN h2 % 2000 = 3 THEN 10000.01 + (h2 >> 10) % 100000 / 100.0
         ELSE ((h2 >> 10) % 50000 + 1) / 100.0 END::DOUBLE AS amount,
    CASE WHEN h3 % 1000 = 0 THEN 'lost' WHEN h3 % 1000 = 1 THEN 'Shipped'
         ELSE ['placed', 'shipped', 'shipped', 'returned'][1 + (h3 >> 10) % 4] END AS status,
    CASE WHEN h4 % 250 = 0 THEN NULL
         WHEN h4 % 1000 = 1 THEN 'user' || (h4 >> 12) % 2000000 || '.example.com'
         WHEN h4 % 1000 = 2 THEN 'user ' || (h4 >> 12) % 2000000 || '@example.com'
         WHEN h4 % 1000 = 3 THEN 'jürgen.' || (h4 >> 12) % 2000000 || '@exämple.de'
         WHEN h4 % 1000 = 4 THEN '用户' || (h4 >> 12) % 2000000 || '@例子.中国'
         WHEN h4 % 1000 = 5 THEN repeat('x', 40) || (h4 >> 12) % 2000000 || '@example.com'
         ELSE 'user' || (h4 >> 12) % 2000000 || '@' || ['example.com', 'mail.org', 'shop.net'][1 + (h4 >> 40) % 3]
    END AS email,
    CASE WHEN i % 1000033 = 5 THEN TIMESTAMP '2023-12-31 23:00:00'
         ELSE TIMESTAMP '2024-01-01' + to_seconds(h5 % (31 * 86400)) END AS created_at,
    CASE WHEN h6 % 500 = 0 THEN NULL
         ELSE ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south', 'sa-east'][1 + (h6 >> 10) % 6] END AS region,
    h5, h6
  FROM r)
SELECT order_id, customer_id, amount, status, email, created_at, region,
  CASE WHEN status = 'placed' THEN NULL
       WHEN h6 % 5000 = 1 THEN '2024-02-30'
       WHEN h6 % 5000 = 2 THEN 'unknown'
       ELSE strftime(created_at + to_days(((h5 >> 32) % 10)::INTEGER), '%Y-%m-%d') END AS shipped_on
FROM o
"""

EMAIL_PATTERN = r"^[^@ ]+@[^@ ]+\.[a-z]{2,}$"
NOT_NAN = "where: \"NOT isnan(amount)\""  # the metrics of amount leave NaN out, as pandas' skipna does

# The 20 checks: name, the check as written in checks/bench.yml, and how its
# observed value is compared ("count": exactly, "float": relative 1e-9).
CHECKS = [
    ("row_count", "row_count: {name: row_count, min: 1}", "count"),
    ("not_null(order_id)", "not_null: {name: not_null(order_id), column: order_id}", "count"),
    ("not_null(customer_id)", "not_null: {name: not_null(customer_id), column: customer_id, severity: warn}", "count"),
    ("not_null(email)", "not_null: {name: not_null(email), column: email, severity: warn}", "count"),
    ("unique(order_id)", "unique: {name: unique(order_id), column: order_id}", "count"),
    ("accepted_values(status)",
     "accepted_values: {name: accepted_values(status), column: status, values: [placed, shipped, returned]}", "count"),
    ("between(amount)", "between: {name: between(amount), column: amount, min: 0, max: 10000}", "count"),
    ("regex(email)", f"regex: {{name: regex(email), column: email, pattern: '{EMAIL_PATTERN}'}}", "count"),
    ("length(email)", "length: {name: length(email), column: email, min: 6, max: 40}", "count"),
    ("parseable(shipped_on)", "parseable: {name: parseable(shipped_on), column: shipped_on, type: DATE}", "count"),
    ("missing_percent(amount)", "missing_percent: {name: missing_percent(amount), column: amount, max: 2}", "float"),
    ("duplicate_count(email)",
     "duplicate_count: {name: duplicate_count(email), column: email, max: 100000000, severity: warn}", "count"),
    ("distinct_count(region)", "distinct_count: {name: distinct_count(region), column: region, equal: 6}", "count"),
    ("sum(amount)", f"sum: {{name: sum(amount), column: amount, min: 0, {NOT_NAN}}}", "float"),
    ("avg(amount)", f"avg: {{name: avg(amount), column: amount, min: 100, max: 400, {NOT_NAN}}}", "float"),
    ("min(amount)", f"min: {{name: min(amount), column: amount, min: -100, {NOT_NAN}}}", "float"),
    ("max(amount)", f"max: {{name: max(amount), column: amount, max: 20000, {NOT_NAN}}}", "float"),
    ("stddev(amount)", f"stddev: {{name: stddev(amount), column: amount, max: 1000, {NOT_NAN}}}", "float"),
    ("percentile(amount)",
     f"percentile: {{name: percentile(amount), column: amount, p: 0.9, max: 1000, {NOT_NAN}}}", "float"),
    ("expression(created_at)",
     "expression: {name: expression(created_at), expression: \"created_at >= TIMESTAMP '2024-01-01'\"}", "count"),
]
# Checks whose aggregate state grows with the data: count(DISTINCT) keeps
# every distinct value, quantile_cont every value. Each is left out once to
# see what it costs.
GROWING_STATE_CHECKS = ["unique(order_id)", "duplicate_count(email)", "distinct_count(region)", "percentile(amount)"]
# The warehouse's memory_limit (weir.yml) of one more run of all 20: beyond
# it DuckDB spills hash tables to disk.
MEMORY_LIMIT = "512MB"
SPILLING = f"all 20, `warehouse: {{memory_limit: {MEMORY_LIMIT}}}`"


# ---------------------------------------------------------------- pandas side

def pandas_load(csv):
    """read_csv with dtypes. NULL is the empty field only (keep_default_na
    off, so that e-mails or statuses such as 'NA' stay text). amount is read
    as text first: a float column cannot tell DuckDB's NaN ("nan") from NULL
    (both become NaN), and the checks must tell them apart as Weir does."""
    import pandas as pd
    frame = pd.read_csv(csv, keep_default_na=False, na_values=[""], parse_dates=["created_at"],
                        dtype={"order_id": "int64", "customer_id": "float64", "amount": "object",
                               "status": "category", "email": "object", "region": "category",
                               "shipped_on": "object"})
    amount_is_null = frame["amount"].isna()
    frame["amount"] = frame["amount"].astype("float64")  # float("nan") reads DuckDB's "nan"
    return frame, amount_is_null


def pandas_observed(frame, amount_is_null):
    """The 20 checks, each one vectorised over its column(s): what Weir
    observes, computed by pandas (failing rows for row checks, the value for
    metrics)."""
    import pandas as pd
    n = len(frame)
    amount, email = frame["amount"], frame["email"]
    email_length = email.str.len()
    shipped = frame["shipped_on"]
    order_ids = frame["order_id"].dropna()
    emails = email.dropna()
    return {
        "row_count": n,
        "not_null(order_id)": int(frame["order_id"].isna().sum()),
        "not_null(customer_id)": int(frame["customer_id"].isna().sum()),
        "not_null(email)": int(email.isna().sum()),
        "unique(order_id)": int(order_ids.duplicated().sum()),
        "accepted_values(status)": int((frame["status"].notna() &
                                        ~frame["status"].isin(["placed", "shipped", "returned"])).sum()),
        # NaN is never within numeric bounds; NULL is not checked.
        "between(amount)": int((~amount_is_null & ~amount.between(0, 10000)).sum()),
        "regex(email)": int((~email.str.contains(EMAIL_PATTERN, regex=True, na=True)).sum()),
        "length(email)": int((email_length.notna() & ~email_length.between(6, 40)).sum()),
        "parseable(shipped_on)": int((shipped.notna() &
                                      pd.to_datetime(shipped, format="%Y-%m-%d", errors="coerce").isna()).sum()),
        "missing_percent(amount)": 100.0 * amount_is_null.sum() / n if n else 0.0,
        "duplicate_count(email)": int(len(emails) - emails.nunique()),
        "distinct_count(region)": int(frame["region"].nunique()),
        "sum(amount)": float(amount.sum()),
        "avg(amount)": float(amount.mean()),
        "min(amount)": float(amount.min()),
        "max(amount)": float(amount.max()),
        "stddev(amount)": float(amount.std(ddof=1)),
        "percentile(amount)": float(amount.quantile(0.9, interpolation="linear")),
        "expression(created_at)": int((frame["created_at"] < pd.Timestamp("2024-01-01")).sum()),
    }


def pandas_child(csv, out):
    """Loads, checks, writes {"load_seconds", "check_seconds", "observed"};
    exit 3 with {"out_of_memory": ...} when memory runs out."""
    try:
        start = time.perf_counter()
        frame, amount_is_null = pandas_load(csv)
        loaded = time.perf_counter()
        observed = pandas_observed(frame, amount_is_null)
        checked = time.perf_counter()
    except MemoryError as e:
        write_json(out, {"out_of_memory": f"MemoryError: {e}"})
        sys.exit(3)
    except Exception as e:  # the C parser reports its own allocation failures as ParserError
        if "out of memory" in str(e).lower() or "unable to allocate" in str(e).lower():
            write_json(out, {"out_of_memory": f"{type(e).__name__}: {e}"})
            sys.exit(3)
        raise
    write_json(out, {"load_seconds": loaded - start, "check_seconds": checked - loaded, "observed": observed})


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)


# ------------------------------------------------------------------ measuring

def measured(cmd, cwd, log, address_space_bytes=None):
    """Runs cmd as a child; wall seconds, peak RSS in MB (ru_maxrss from
    os.wait4), exit code, and the signal that killed it (or None)."""
    def cap():
        if address_space_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (address_space_bytes, address_space_bytes))
    with open(log, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=cap)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    return {"wall": wall, "mb": usage.ru_maxrss / 1024, "code": proc.returncode, "signal": signal}


def tail(path, chars=3000):
    with open(path, errors="replace") as f:
        return f.read()[-chars:]


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


# ------------------------------------------------------------------------ data

def generate(runner, rows, seed):
    """orders_<rows>.parquet and .csv under WORK/data, made once: a complete
    file appears under its name only after it is written."""
    data = os.path.join(WORK, "data")
    os.makedirs(data, exist_ok=True)
    parquet = os.path.join(data, f"orders_{rows}_seed{seed}.parquet")
    csv = parquet[:-len(".parquet")] + ".csv"
    if not os.path.exists(parquet):
        print(f"quality: generating {rows:,} orders into {parquet}", flush=True)
        sql = GENERATOR_SQL.format(rows=rows, seed=seed)
        subprocess.run([runner, f"COPY ({sql}) TO {sql_string(parquet + '.tmp')} (FORMAT parquet, COMPRESSION zstd)"],
                       check=True, stdout=subprocess.DEVNULL)
        os.replace(parquet + ".tmp", parquet)
    if not os.path.exists(csv):
        print(f"quality: writing {csv}", flush=True)
        subprocess.run([runner, f"COPY (SELECT * FROM read_parquet({sql_string(parquet)})) TO "
                                f"{sql_string(csv + '.tmp')} (FORMAT csv, HEADER)"],
                       check=True, stdout=subprocess.DEVNULL)
        os.replace(csv + ".tmp", csv)
    return parquet, csv


# ------------------------------------------------------------------ weir side

def checks_yaml(leave_out=(), sample_limit=None):
    lines = ["path: orders.parquet"]
    if sample_limit is not None:
        lines.append(f"sample_limit: {sample_limit}")
    lines.append("checks:")
    lines += [f"  - {yaml}" for name, yaml, _ in CHECKS if name not in leave_out]
    return "\n".join(lines) + "\n"


def weir_project(name, parquet, checks, memory_limit=None):
    """A fresh project under WORK: weir.yml (the warehouse's memory_limit
    when given), checks/bench.yml, the Parquet file linked into its lake."""
    root = os.path.join(WORK, name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "checks"))
    os.makedirs(os.path.join(root, "lake"))
    with open(os.path.join(root, "weir.yml"), "w") as f:
        limit = f", memory_limit: {memory_limit}" if memory_limit else ""
        f.write(f"name: bench_quality\nwarehouse: {{type: duckdb, path: warehouse.duckdb{limit}}}\nlake: lake/\n")
    with open(os.path.join(root, "checks", "bench.yml"), "w") as f:
        f.write(checks)
    os.link(parquet, os.path.join(root, "lake", "orders.parquet"))
    return root


def run_weir(weir, root, log):
    """One `weir test` in a fresh warehouse and state (so every run does the
    same work); returns the measurement and the suite's JSON."""
    for leftover in ("warehouse.duckdb", "warehouse.duckdb.wal", "out.json"):
        if os.path.exists(os.path.join(root, leftover)):
            os.remove(os.path.join(root, leftover))
    shutil.rmtree(os.path.join(root, ".weir"), ignore_errors=True)
    m = measured([weir, "test", "--checks", "bench", "--json", "out.json"], root, log)
    # Exit 1 means that some checks failed, which this data is made to do.
    if m["code"] not in (0, 1) or not os.path.exists(os.path.join(root, "out.json")):
        sys.exit(f"quality: weir test failed ({m['code']}) in {root}:\n{tail(log)}")
    with open(os.path.join(root, "out.json")) as f:
        suites = json.load(f)["suites"]
    if len(suites) != 1:
        sys.exit(f"quality: expected one suite in {root}/out.json, got {len(suites)}")
    return m, suites[0]


def scan_seconds(suite):
    """How long the shared scan took (each result carries its scan's time)."""
    return max((r["duration_seconds"] for r in suite["results"] if r["scan"] == 1), default=0.0)


# ------------------------------------------------------------------ agreement

def agree(rows, suite, pandas):
    """Stops the benchmark unless every check's observed value is the same."""
    weir = {r["name"]: r for r in suite["results"]}
    problems = []
    for name, _, compare in CHECKS:
        result = weir.get(name)
        if result is None or result["status"] == "error":
            problems.append(f"{name}: weir could not measure it: {result and result['message']}")
            continue
        w, p = result["observed"], pandas.get(name)
        if w is None or p is None:
            problems.append(f"{name}: weir {w} vs pandas {p}")
        elif compare == "count" and not (float(w) == float(p) == int(p)):
            problems.append(f"{name}: weir {w} vs pandas {p}")
        elif compare == "float" and abs(w - p) > 1e-9 * max(abs(w), abs(p)):
            problems.append(f"{name}: weir {w!r} vs pandas {p!r} (relative {abs(w - p) / max(abs(w), abs(p)):.2e})")
    if problems:
        sys.exit(f"quality: {rows:,} rows: weir and pandas disagree, no ratio printed:\n  " + "\n  ".join(problems))
    print(f"quality: {rows:,} rows: the 20 observed values agree", flush=True)


# ---------------------------------------------------------------------- runs

class Size:
    """Everything measured at one row count."""

    def __init__(self, rows):
        self.rows = rows
        self.weir = []          # measurements of the full suite, with its scan's seconds
        self.suite = None       # its JSON (the last run's)
        self.pandas = None      # {"wall", "mb", "load_seconds", "check_seconds"} or None
        self.pandas_oom = ""    # why pandas stopped at this size, or ""
        self.variants = {}      # variant -> {"wall", "mb", ...} of one run
        self.load = []


def run_size(args, rows, run_pandas):
    """The full suite `repeats` times, pandas once after the first, and the
    memory variants spread between the full runs, so that a change in the
    machine's load during the size's runs weighs on all of them alike."""
    size = Size(rows)
    parquet, csv = generate(args.duckdb_sql, rows, args.seed)
    size.parquet_mb, size.csv_mb = os.path.getsize(parquet) / 1e6, os.path.getsize(csv) / 1e6
    size.load.append(load_average())
    root = weir_project(f"project_{rows}", parquet, checks_yaml())
    variants = memory_variants()
    for rep in range(args.repeats):
        m, size.suite = run_weir(args.weir, root, os.path.join(root, f"weir_{rep}.log"))
        size.weir.append(dict(m, scan=scan_seconds(size.suite)))
        print(f"quality: {rows:,} rows, weir run {rep + 1}: {m['wall']:.2f} s, {m['mb']:.0f} MB, "
              f"{size.suite['scans']} scan(s)", flush=True)
        if rep == 0 and run_pandas:
            run_pandas_side(args, size, csv)
        for variant, leave_out, sample_limit, memory_limit in variants[rep::args.repeats]:
            vroot = weir_project(f"project_{rows}_variant", parquet, checks_yaml(leave_out, sample_limit),
                                 memory_limit)
            size.variants[variant], _ = run_weir(args.weir, vroot, os.path.join(vroot, "weir.log"))
            print(f"quality: {rows:,} rows, weir {variant}: {size.variants[variant]['wall']:.2f} s, "
                  f"{size.variants[variant]['mb']:.0f} MB", flush=True)
            shutil.rmtree(vroot, ignore_errors=True)
    size.variants = {v[0]: size.variants[v[0]] for v in variants}  # in the table's order
    size.load.append(load_average())
    shutil.rmtree(root, ignore_errors=True)
    return size


def run_pandas_side(args, size, csv):
    """The pandas child, capped; records its times, or why it ran out of
    memory; stops the benchmark if its values disagree with Weir's."""
    out = os.path.join(WORK, f"pandas_{size.rows}.json")
    log = os.path.join(WORK, f"pandas_{size.rows}.log")
    m = measured([args.python, os.path.abspath(__file__), "pandas-child", csv, out], WORK, log,
                 args.pandas_memory_gb << 30)
    if m["code"] == 3 or m["signal"] is not None:
        size.pandas_oom = (json.load(open(out))["out_of_memory"] if m["code"] == 3 and os.path.exists(out)
                           else f"killed by signal {m['signal']}")
        print(f"quality: {size.rows:,} rows, pandas out of memory: {size.pandas_oom}", flush=True)
        return
    if m["code"] != 0:
        sys.exit(f"quality: the pandas child failed ({m['code']}):\n{tail(log)}")
    result = json.load(open(out))
    size.pandas = dict(m, load_seconds=result["load_seconds"], check_seconds=result["check_seconds"])
    print(f"quality: {size.rows:,} rows, pandas: load {result['load_seconds']:.1f} s, checks "
          f"{result['check_seconds']:.1f} s, {m['mb']:.0f} MB", flush=True)
    agree(size.rows, size.suite, result["observed"])


def memory_variants():
    """(label, checks left out, sample_limit, warehouse memory_limit) of the
    runs that take the peak apart, and of the full suite with DuckDB told to
    spill beyond MEMORY_LIMIT."""
    out = [(f"without {name}", [name], None, None) for name in GROWING_STATE_CHECKS]
    out.append((f"without these {len(GROWING_STATE_CHECKS)}", GROWING_STATE_CHECKS, None, None))
    out.append(("all 20, no failing-row samples (sample_limit: 0)", [], 0, None))
    out.append((SPILLING, [], None, MEMORY_LIMIT))
    return out


# -------------------------------------------------------------------- report

def median(runs, key):
    return statistics.median(r[key] for r in runs)


def report(args, sizes):
    lines = [
        "## Data checks: 20 checks, Weir vs pandas",
        "",
        "An orders table from one seeded DuckDB SQL generator (`bench/quality.py`: unique order ids",
        "with a few duplicates, amounts with NULL, negative, NaN and out-of-range values, invalid",
        "statuses, malformed and unicode e-mails, unparseable ship dates), as Parquet for Weir and as",
        "CSV for pandas (Debian's pandas has no Parquet engine). The same 20 checks on both sides:",
        "row_count, not_null ×3, unique, accepted_values, between, regex (e-mail), length,",
        "parseable (DATE), missing_percent, duplicate_count, distinct_count, sum, avg, min, max,",
        "stddev, percentile (p90) and an expression; the six metrics of amount leave NaN out",
        "(`where: \"NOT isnan(amount)\"`), as pandas' skipna does. Weir is one `weir test --checks bench",
        "--json` process on `path: orders.parquet`, with default options: after the one scan, each",
        "failing check samples 20 failing rows into `weir_audit` (a query each). pandas reads the CSV",
        "with `read_csv` and dtypes (amount as text, then converted, to tell NaN from NULL as Weir",
        "does), then runs the checks as vectorised column operations, as Great Expectations' pandas",
        "backend does. Each side is its own process; peak memory is its `ru_maxrss` (os.wait4); pandas",
        f"runs under a {args.pandas_memory_gb} GiB address-space limit. Weir: median of {args.repeats} runs; "
        "pandas: one run. Before any",
        "ratio, every check's observed value was checked to agree (counts exactly, floats to a",
        "relative 1e-9, p90 as DuckDB's `quantile_cont` against pandas' linear interpolation).",
        "",
        "| rows | weir time (s) | of which the scan (s) | weir peak (MB) | scans | pandas load (s) "
        "| pandas checks (s) | pandas peak (MB) | pandas checks / weir time |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in sizes:
        row = (f"| {s.rows:,} | {median(s.weir, 'wall'):.2f} | {median(s.weir, 'scan'):.2f} "
               f"| {median(s.weir, 'mb'):.0f} | {s.suite['scans']} ")
        if s.pandas:
            row += (f"| {s.pandas['load_seconds']:.1f} | {s.pandas['check_seconds']:.1f} | {s.pandas['mb']:.0f} "
                    f"| {s.pandas['check_seconds'] / median(s.weir, 'wall'):.1f}x |")
        elif s.pandas_oom:
            row += f"| out of memory at {s.rows:,} rows | — | — | — |"
        else:
            row += "| not run: out of memory at a smaller size | — | — | — |"
        lines.append(row)
    lines.append("")
    for s in sizes:
        lines.append(f"- {s.rows:,} rows: {s.parquet_mb:,.0f} MB of Parquet, {s.csv_mb:,.0f} MB of CSV; load average "
                     f"before {s.load[0]}, after {s.load[1]}." +
                     (f" pandas stopped here: {s.pandas_oom}." if s.pandas_oom else ""))
    lines.append("")
    lines += memory_table(sizes)
    lines += goals(sizes)
    return "\n".join(lines) + "\n"


def memory_table(sizes):
    """Weir's peak and time for the full suite and for each variant, and, from
    the smallest to the largest size, how much the peak grew."""
    runs = {"all 20 checks": [{"mb": median(s.weir, "mb"), "wall": median(s.weir, "wall")} for s in sizes]}
    runs.update({v: [s.variants[v] for s in sizes] for v in sizes[0].variants})
    lines = ["Where Weir's memory and time go: the suite again with one check left out at a time, then",
             "without all four checks whose aggregate keeps values in memory (count(DISTINCT) every",
             "distinct value, quantile_cont every value), then all 20 without failing-row samples, and",
             f"all 20 with the warehouse's `memory_limit: {MEMORY_LIMIT}` in weir.yml, beyond which DuckDB spills",
             "hash tables to disk (single runs, between the full suite's runs; growth is from the",
             "smallest to the largest size):", "",
             "| weir runs | " + " | ".join(f"peak at {s.rows:,} (MB)" for s in sizes) + " | growth (MB) | " +
             " | ".join(f"time at {s.rows:,} (s)" for s in sizes) + " |",
             "|---|" + "---:|" * (2 * len(sizes) + 1)]
    for variant, measured_runs in runs.items():
        peaks = [m["mb"] for m in measured_runs]
        lines.append(f"| {variant} | " + " | ".join(f"{v:.0f}" for v in peaks) + f" | {peaks[-1] - peaks[0]:+.0f} | " +
                     " | ".join(f"{m['wall']:.2f}" for m in measured_runs) + " |")
    return lines + [""]


def growth_by_check(first, last):
    """How much of the full suite's growth each growing-state check accounts
    for: the growth with it minus the growth without it."""
    full = median(last.weir, "mb") - median(first.weir, "mb")
    return {name: full - (last.variants[f"without {name}"]["mb"] - first.variants[f"without {name}"]["mb"])
            for name in GROWING_STATE_CHECKS}


def goals(sizes):
    first, last = sizes[0], sizes[-1]
    out = ["Goals (issue 7): at least 20x faster than pandas' check time; memory flat in the number of",
           "rows; the 20 checks in one scan. Now:", ""]
    timed = [s for s in sizes if s.pandas]
    if timed:
        ratios = [s.pandas["check_seconds"] / median(s.weir, "wall") for s in timed]
        scan_ratios = [s.pandas["check_seconds"] / median(s.weir, "scan") for s in timed]
        out.append("- speed: pandas' checks take " +
                   ", ".join(f"{r:.1f}x at {s.rows:,} rows" for r, s in zip(ratios, timed)) +
                   f" Weir's whole `weir test` time ({'met' if min(ratios) >= 20 else 'not met'}); against the "
                   "scan alone (without start-up and failing-row samples) " +
                   ", ".join(f"{r:.1f}x" for r in scan_ratios) + ".")
    else:
        out.append("- speed: pandas ran out of memory at every size: no ratio.")
    scans = sorted({s.suite["scans"] for s in sizes})
    out.append(f"- one scan: {' and '.join(map(str, scans))} scan(s) measured all 20 checks at every size "
               f"({'met' if scans == [1] else 'not met'}).")
    if len(sizes) > 1:
        full = median(last.weir, "mb") / median(first.weir, "mb")
        rest = f"without these {len(GROWING_STATE_CHECKS)}"
        out.append(f"- memory: Weir's peak goes from {median(first.weir, 'mb'):.0f} MB to "
                   f"{median(last.weir, 'mb'):.0f} MB ({full:.2f}x) for {last.rows / first.rows:.0f}x the rows "
                   f"({'flat: met' if full <= 1.2 else 'not flat: not met'}). Of the growth, " +
                   ", ".join(f"{name} accounts for {mb:+.0f} MB" for name, mb in growth_by_check(first, last).items()) +
                   f"; without these four the peak goes from {first.variants[rest]['mb']:.0f} to "
                   f"{last.variants[rest]['mb']:.0f} MB. With `memory_limit: {MEMORY_LIMIT}` all 20 go from "
                   f"{first.variants[SPILLING]['mb']:.0f} to {last.variants[SPILLING]['mb']:.0f} MB "
                   f"({last.variants[SPILLING]['mb'] / first.variants[SPILLING]['mb']:.2f}x), in "
                   f"{first.variants[SPILLING]['wall']:.1f} s and {last.variants[SPILLING]['wall']:.1f} s.")
    return out + [""]


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "pandas-child":
        pandas_child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--weir", required=True)
    parser.add_argument("--duckdb-sql", required=True)
    parser.add_argument("--python", default="/usr/bin/python3", help="a python3 with pandas")
    parser.add_argument("--rows", default="10000000,50000000")
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeats", type=int, default=3, help="runs of weir per size (pandas runs once)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pandas-memory-gb", type=int, default=16, help="RLIMIT_AS of the pandas child, GiB")
    args = parser.parse_args()
    args.weir, args.duckdb_sql = os.path.abspath(args.weir), os.path.abspath(args.duckdb_sql)
    os.makedirs(WORK, exist_ok=True)
    sizes, pandas_ok = [], True
    for rows in [int(r) for r in args.rows.split(",")]:
        sizes.append(run_size(args, rows, pandas_ok))
        pandas_ok = pandas_ok and not sizes[-1].pandas_oom
    text = report(args, sizes)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
