#!/usr/bin/env python3
"""W1 at scale (issue 4's benchmark), on 1M and 5M orders, in one run:

(1) clean-and-transform, JSON -> typed rows:
    weir     `weir run w1`: one `sql` task, inputs {raw: the JSON}, to: processed/sales.parquet
    pandas   W1's pandas logic (bench/w1_pandas.py), written as CSV
    duckdb   the same SQL run by DuckDB directly (bench/duckdb_sql.cc): the floor
(2) extract, JSON -> raw Parquet:
    weir     `weir run w1_http`: one `http` task, url file://<the JSON>, to: raw/sales.parquet
    duckdb   COPY (SELECT * FROM read_json(<the JSON>)) TO raw.parquet

Each is one process under /usr/bin/time -v (wall time and peak RSS),
interleaved over the repeats so that a busy machine weighs on all alike.
Before any ratio is printed, every output must agree with its peer's: row
count, per-column sums and the sum of a hash of each row's typed values
(order-independent), computed by the same DuckDB runner for the Parquet and
the CSV files. A disagreement stops the benchmark.

No `rejects:` rules: the rows without order_id or amount are dropped by the
SQL's WHERE, as pandas' dropna drops them, so all three do the same work.
All Parquet is written with zstd, as weir writes it.

The machine's load (/proc/loadavg) before and after each size is written
with the figures: on a shared machine, compare the ratios.

usage: w1.py --weir WEIR --duckdb-sql RUNNER --python PYTHON --out SECTION.md
             [--sizes 1000000,5000000] [--parts clean,extract] [--repeats 5]
(--parts extract alone is the `http` task's benchmark: bench/extract.sh.)
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DS = "2024-01-01"
REPEATS = 5

CLEAN_SQL = """SELECT
  TRY_CAST(s.order_id AS BIGINT)                AS order_id,
  TRY_CAST(s.customer_id AS BIGINT)             AS customer_id,
  TRY_CAST(s.product_id AS BIGINT)              AS product_id,
  TRY_CAST(s.amount AS DECIMAL(10, 2))          AS amount,
  TRY_CAST(s.quantity AS INTEGER)               AS quantity,
  CAST(s.created_at AS TIMESTAMP)               AS created_at,
  CAST(CAST(s.created_at AS TIMESTAMP) AS DATE) AS date,
  hour(CAST(s.created_at AS TIMESTAMP))         AS hour,
  '{{ ds }}'                                    AS loaded_ds
FROM raw s
WHERE TRY_CAST(s.order_id AS BIGINT) IS NOT NULL
  AND TRY_CAST(s.amount AS DECIMAL(10, 2)) IS NOT NULL
"""

# Typed values of each row, whatever types the file holds them in.
KEY_COLUMNS = {
    "order_id": "TRY_CAST(order_id AS BIGINT)",
    "customer_id": "TRY_CAST(customer_id AS BIGINT)",
    "product_id": "TRY_CAST(product_id AS BIGINT)",
    "quantity": "TRY_CAST(quantity AS BIGINT)",
    "amount_cents": "CAST(round(TRY_CAST(amount AS DECIMAL(18, 2)) * 100) AS BIGINT)",
    "created_at": "epoch(TRY_CAST(created_at AS TIMESTAMP))::BIGINT",
}
CLEAN_COLUMNS = dict(KEY_COLUMNS, **{
    "date": "(TRY_CAST(date AS DATE) - DATE '1970-01-01')",
    "hour": "TRY_CAST(hour AS BIGINT)",
    "loaded_ds": "hash(CAST(loaded_ds AS VARCHAR))",
})


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


def read_sql(path):
    if path.endswith(".csv"):
        return f"read_csv({sql_string(path)}, header = true, all_varchar = true)"
    return f"read_parquet({sql_string(path)})"


def checksum(runner, path, columns):
    """Row count, per-column non-null counts and sums, and the sum of a hash of each row."""
    values = list(columns.values())
    parts = ["count(*)", "count(DISTINCT TRY_CAST(order_id AS BIGINT))"]
    for v in values:
        parts += [f"count({v})", f"sum({v})"]
    parts.append("sum(hash(" + ", ".join(values) + ")::HUGEINT)")
    out = subprocess.run([runner, f"SELECT {', '.join(parts)} FROM {read_sql(path)}"],
                         check=True, capture_output=True, text=True).stdout.strip()
    fields = out.split("\t")
    names = ["rows", "distinct order_id"]
    for c in columns:
        names += [f"count({c})", f"sum({c})"]
    names.append("sum(row hash)")
    return dict(zip(names, fields))


def agree(what, results):
    """Stops the benchmark unless every tool's checksum equals the first one's."""
    (first_tool, first), *others = results.items()
    for tool, sums in others:
        diff = [k for k in first if first[k] != sums.get(k)]
        if diff:
            lines = [f"{k}: {first_tool} {first[k]} vs {tool} {sums.get(k)}" for k in diff]
            sys.exit(f"w1: {what}: outputs disagree, no ratio printed:\n  " + "\n  ".join(lines))
    print(f"w1: {what}: outputs agree: {first['rows']} rows, row-hash sum {first['sum(row hash)']}", flush=True)


TIME_FIELDS = {
    "wall": re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)"),
    "rss_kb": re.compile(r"Maximum resident set size \(kbytes\): (\d+)"),
    "user": re.compile(r"User time \(seconds\): (\S+)"),
    "sys": re.compile(r"System time \(seconds\): (\S+)"),
}


def wall_seconds(text):
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def measured(cmd, cwd, log):
    """Runs cmd under GNU time -v; returns wall s, peak RSS MB, CPU s."""
    timing = log + ".time"
    with open(log, "w") as out:
        done = subprocess.run(["/usr/bin/time", "-v", "-o", timing] + cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        with open(log) as f:
            sys.exit(f"w1: {' '.join(cmd)} failed ({done.returncode}):\n{f.read()[-3000:]}")
    with open(timing) as f:
        text = f.read()
    got = {k: r.search(text).group(1) for k, r in TIME_FIELDS.items()}
    return {"wall": wall_seconds(got["wall"]), "mb": int(got["rss_kb"]) / 1024,
            "cpu": float(got["user"]) + float(got["sys"])}


def write_project(root, pipeline, task_yaml):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "pipelines"))
    os.makedirs(os.path.join(root, "lake", "raw"))
    with open(os.path.join(root, "weir.yml"), "w") as f:
        f.write("name: bench_w1\nlake: lake/\n")
    with open(os.path.join(root, "pipelines", pipeline + ".yml"), "w") as f:
        f.write(f"pipeline: {pipeline}\ntasks:\n{task_yaml}")


def link(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        os.symlink(src, dst)


def indent(text, spaces):
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Bench:
    def __init__(self, args, n, data):
        self.weir, self.runner, self.python = args.weir, args.duckdb_sql, args.python
        self.parts, self.repeats = args.parts, args.repeats
        self.n, self.data = n, data
        self.work = os.path.join(HERE, "work", "w1", f"run_{n}")
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.outputs = {}

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    # (1a) weir sql
    def weir_sql(self, rep):
        root = self.path(f"weir_sql_{rep}")
        task = ("  - id: clean_sales\n    kind: sql\n    inputs:\n      raw: raw/orders.json\n"
                "    to: processed/sales.parquet\n    sql: |\n" + indent(CLEAN_SQL, 6))
        write_project(root, "w1", task)
        link(self.data, os.path.join(root, "lake", "raw", "orders.json"))
        m = measured([self.weir, "run", "w1", "--date", DS], root, self.path(f"weir_sql_{rep}.log"))
        self.outputs["1 weir"] = os.path.join(root, "lake", "processed", "sales.parquet")
        return m

    # (1b) pandas
    def pandas(self, rep):
        out = self.path("pandas.csv")
        m = measured([self.python, os.path.join(HERE, "w1_pandas.py"), self.data, out, DS], self.work,
                     self.path(f"pandas_{rep}.log"))
        self.outputs["1 pandas"] = out
        return m

    # (1c) the same SQL in DuckDB
    def duckdb_sql(self, rep):
        out = self.path("duckdb_sales.parquet")
        view = f"CREATE VIEW raw AS SELECT * FROM read_json({sql_string(self.data)}, hive_partitioning = false)"
        copy = f"COPY ({CLEAN_SQL.replace('{{ ds }}', DS)}) TO {sql_string(out)} (FORMAT parquet, COMPRESSION zstd)"
        m = measured([self.runner, view, copy], self.work, self.path(f"duckdb_sql_{rep}.log"))
        self.outputs["1 duckdb"] = out
        return m

    # (2a) weir http
    def weir_http(self, rep):
        root = self.path(f"weir_http_{rep}")
        task = (f"  - id: extract_api\n    kind: http\n    url: \"file://{self.data}\"\n"
                "    to: raw/sales.parquet\n")
        write_project(root, "w1_http", task)
        m = measured([self.weir, "run", "w1_http", "--date", DS], root, self.path(f"weir_http_{rep}.log"))
        self.outputs["2 weir"] = os.path.join(root, "lake", "raw", "sales.parquet")
        return m

    # (2b) DuckDB's read_json
    def duckdb_read_json(self, rep):
        out = self.path("duckdb_raw.parquet")
        copy = (f"COPY (SELECT * FROM read_json({sql_string(self.data)})) TO {sql_string(out)} "
                "(FORMAT parquet, COMPRESSION zstd)")
        m = measured([self.runner, copy], self.work, self.path(f"duckdb_raw_{rep}.log"))
        self.outputs["2 duckdb"] = out
        return m

    def run(self):
        tools = {}
        if "clean" in self.parts:
            tools.update({"1 weir": self.weir_sql, "1 pandas": self.pandas, "1 duckdb": self.duckdb_sql})
        if "extract" in self.parts:
            tools.update({"2 weir": self.weir_http, "2 duckdb": self.duckdb_read_json})
        runs = {t: [] for t in tools}
        load = [load_average()]
        for rep in range(self.repeats):
            for tool, fn in tools.items():
                runs[tool].append(fn(rep))
                print(f"w1: {self.n} orders, {tool}, run {rep + 1}: {runs[tool][-1]['wall']:.2f} s, "
                      f"{runs[tool][-1]['mb']:.0f} MB", flush=True)
        load.append(load_average())
        if "clean" in self.parts:
            agree(f"{self.n} orders, clean-and-transform",
                  {t: checksum(self.runner, self.outputs[t], CLEAN_COLUMNS) for t in ("1 duckdb", "1 weir", "1 pandas")})
            rows = checksum(self.runner, self.outputs["1 weir"], {"order_id": "order_id"})["rows"]
        if "extract" in self.parts:
            agree(f"{self.n} orders, extract",
                  {t: checksum(self.runner, self.outputs[t], KEY_COLUMNS) for t in ("2 duckdb", "2 weir")})
            if "clean" not in self.parts:
                rows = checksum(self.runner, self.outputs["2 weir"], {"order_id": "order_id"})["rows"]
        shutil.rmtree(self.work, ignore_errors=True)
        return runs, int(rows), load


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def table(runs, names, peers):
    lines = ["| tool | wall (s) | peak RSS (MB) | CPU (s) | all runs (s) | weir time / tool | weir memory / tool |",
             "| --- | ---: | ---: | ---: | --- | ---: | ---: |"]
    weir = runs[names[0]]
    for key in names:
        r = runs[key]
        t_ratio = "—" if key == names[0] else f"{median(weir, 'wall') / median(r, 'wall'):.2f}"
        m_ratio = "—" if key == names[0] else f"{median(weir, 'mb') / median(r, 'mb'):.2f}"
        lines.append(f"| {peers[key]} | {median(r, 'wall'):.2f} | {median(r, 'mb'):.0f} | {median(r, 'cpu'):.2f} | "
                     f"{', '.join('%.2f' % x['wall'] for x in r)} | {t_ratio} | {m_ratio} |")
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weir", required=True)
    parser.add_argument("--duckdb-sql", required=True)
    parser.add_argument("--python", default="/usr/bin/python3", help="a python3 with pandas")
    parser.add_argument("--out", required=True)
    parser.add_argument("--sizes", default="1000000,5000000")
    parser.add_argument("--parts", default="clean,extract", help="clean, extract or both")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    args.weir, args.duckdb_sql = os.path.abspath(args.weir), os.path.abspath(args.duckdb_sql)
    args.parts = set(args.parts.split(","))
    sizes = [int(s) for s in args.sizes.split(",")]
    clean, extract = "clean" in args.parts, "extract" in args.parts

    data_dir = os.path.join(HERE, "work", "w1", "data")
    os.makedirs(data_dir, exist_ok=True)
    results = {}
    for n in sizes:
        data = os.path.join(data_dir, f"orders_{n}.json")
        if not os.path.exists(data):  # the generator is deterministic: a complete file is the same file
            print(f"w1: generating {n} orders into {data}", flush=True)
            subprocess.run([sys.executable, os.path.join(HERE, "w1_data.py"), str(n), data], check=True)
        results[n] = (Bench(args, n, data).run(), os.path.getsize(data))

    lines = [
        "## W1 at scale: " + " and ".join((["clean-and-transform"] if clean else []) + (["extract"] if extract else []))
        + " of the sales JSON",
        "",
        "The raw sales payload of W1 (`bench/w1_data.py`: one JSON array, amounts as strings, about",
        "2% of records without order_id or amount), each tool one process measured by GNU",
        "`time -v`; medians of %d interleaved runs. Before the ratios, the outputs were checked" % args.repeats,
        "to agree: row count, per-column counts and sums, and the sum of a hash of each row's typed",
        "values (order-independent), all computed by one DuckDB runner over each Parquet or CSV file.",
        "The load average (1, 5, 15 min) before and after each size's runs is given: with other work",
        "on the machine, compare the ratios rather than the seconds.",
        "",
    ]
    if clean:
        lines += [
            "1. **clean-and-transform** (JSON → typed rows): `weir run` of one `sql` task (`inputs:",
            "   {raw: the JSON}`, `to: processed/sales.parquet`, the SQL of the example's",
            "   `sql/clean_sales.sql` without its join to orders and with a `WHERE` dropping rows without",
            "   order_id or amount, no `rejects:` rules); pandas doing W1's logic (`read_json`, `dropna`,",
            "   `astype`, `to_datetime`, date/hour) written as CSV (Debian's pandas has no Parquet",
            "   engine); and the same SQL run by DuckDB directly through its C API (`bench/duckdb_sql.cc`),",
            "   the floor. Parquet with zstd, as weir writes it.",
        ]
    if extract:
        lines += [
            "2. **extract** (JSON → raw Parquet): `weir run` of one `http` task (`url: file://…`, records",
            "   parsed into `raw/sales.parquet`) against DuckDB's own `read_json` → Parquet. The task",
            "   streams: the body is split and parsed in batches as it is read, and a COPY pulls the rows",
            "   through a table function, so its memory is a few batches whatever the file's size. Re-run",
            "   this part alone with `bash bench/extract.sh`.",
        ]
    lines.append("")
    goal_lines = []
    for n, ((runs, rows, load), size) in results.items():
        lines += [f"### {n:,} orders ({size / 1e6:.0f} MB of JSON, {rows:,} rows{' kept' if clean else ''})", "",
                  f"Load average before: {load[0]}; after: {load[1]}.", ""]
        goals = []
        if clean:
            lines += ["Clean-and-transform:", ""]
            lines += table(runs, ["1 weir", "1 duckdb", "1 pandas"],
                           {"1 weir": "weir `sql` task", "1 duckdb": "DuckDB, same SQL (floor)",
                            "1 pandas": "pandas (CSV)"})
            lines.append("")
            sql_vs_duck = median(runs["1 weir"], "wall") / median(runs["1 duckdb"], "wall")
            sql_vs_pandas = median(runs["1 pandas"], "wall") / median(runs["1 weir"], "wall")
            mem_vs_pandas = median(runs["1 weir"], "mb") / median(runs["1 pandas"], "mb")
            goals.append(f"(1) {sql_vs_duck:.2f}x plain DuckDB's time ({'met' if sql_vs_duck <= 1.1 else 'not met'}), "
                         f"{sql_vs_pandas:.1f}x faster than pandas with {mem_vs_pandas:.2f} of its memory")
        if extract:
            lines += ["Extract:", ""]
            lines += table(runs, ["2 weir", "2 duckdb"],
                           {"2 weir": "weir `http` task", "2 duckdb": "DuckDB `read_json`"})
            lines.append("")
            http_vs_duck = median(runs["2 weir"], "wall") / median(runs["2 duckdb"], "wall")
            goals.append(f"(2) {http_vs_duck:.2f}x DuckDB's `read_json` time "
                         f"({'met' if http_vs_duck < 1.0 else 'not met'}), peak {median(runs['2 weir'], 'mb'):.0f} MB "
                         f"against DuckDB's {median(runs['2 duckdb'], 'mb'):.0f} MB")
        goal_lines.append(f"- {n:,} orders: " + "; ".join(goals) + ".")
    if len(results) > 1:
        (n0, ((r0, _, _), _)), (n1, ((r1, _, _), _)) = list(results.items())[0], list(results.items())[-1]
        grows = []
        if extract:
            grows.append(f"the `http` task's peak grows {median(r1['2 weir'], 'mb') / median(r0['2 weir'], 'mb'):.2f}x, "
                         f"DuckDB `read_json`'s {median(r1['2 duckdb'], 'mb') / median(r0['2 duckdb'], 'mb'):.2f}x")
        if clean:
            grows.append(f"the `sql` task's {median(r1['1 weir'], 'mb') / median(r0['1 weir'], 'mb'):.2f}x")
        goal_lines.append(f"- memory from {n0:,} to {n1:,} orders ({n1 / n0:.0f}x the data): " + "; ".join(grows) + ".")
    goal_text = []
    if clean:
        goal_text.append("(1) within 1.1x of plain DuckDB")
    if extract:
        goal_text.append("(2) faster than DuckDB's own JSON reader, with memory bounded by a batch, not by the file")
    lines += ["Goals (issue 4): " + "; ".join(goal_text) + ". Now:", ""] + goal_lines + [""]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
