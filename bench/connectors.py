#!/usr/bin/env python3
"""The Postgres connectors benchmark of issue 8, parts (a) and (b), in one
run against a private PostgreSQL 15 cluster with fsync and
synchronous_commit on (tests/postgres/cluster.sh start DIR durable):

(a) extract: a narrow sales table (id bigint, customer_id int, product
    text, amount numeric(12,2), quantity int, sold_at timestamptz) to a
    file, at 1M and 5M rows:
      weir    `weir run` of one `extract` task (COPY → DuckDB → Parquet),
              and the same with `parallel:` over 2 connections
      floor   psql -c "\\copy (SELECT ...) TO 'file.csv' CSV HEADER"
(b) load into Postgres, from 1M rows (pandas: 200k, it is slow); weir's
    DuckDB writes CSV into a named pipe that COPY streams as it comes:
      merge   an upsert into the 5M-row keyed table, half the rows updates
              of existing keys, half new keys:
        weir    `weir run` of one `load` task, mode merge, from Parquet
        floor   psql: \\copy of the CSV into a temporary staging table, then
                INSERT ... ON CONFLICT (id) DO UPDATE by hand, one transaction
        pandas  read_csv, to_sql(method='multi', chunksize=1000) into a
                staging table, then INSERT ... ON CONFLICT (W2's load)
      append  the same rows into an empty keyed table:
        weir    `load` mode append; floor: \\copy into the table; pandas:
                to_sql(method='multi', chunksize=1000) into the table
      weir runs once more on pandas' rows, for a ratio on the same rows.

The rows come from one seeded DuckDB SQL generator (run by bench/duckdb_sql):
a row's values depend only on (id, version, seed), so the base table
(version 1), the upsert file (version 2 of every k-th key and of new keys)
and the table expected after the upsert (version 2 where the upsert
touched, else version 1) are generated apart. Files are written once under
bench/work/connectors/data (CSV for psql and pandas, Parquet for weir).

Before any figure is printed:
  (a) the Parquet and the floor's CSV agree with the table: row count,
      per-column counts and sums, and the sum of a 60-bit prefix of the MD5
      of each row's canonical text (order-independent), computed by
      Postgres over the table and by DuckDB over each file;
  (b) after every run, the target table equals the expected rows (loaded
      into Postgres from the generator's file): counts, and EXCEPT ALL both
      ways. The target is reset to the same 5M rows (or emptied) and
      checkpointed before each side.

Each side is its own child process: wall time measured here, CPU time and
peak RSS from the rusage that os.wait4 returns (Postgres's own memory is the
server's and counted for no side). Weir and the floor run --repeats times,
interleaved; pandas once. The server logs every statement's duration
(log_min_duration_statement = 0): each run's time is taken apart into the
time before its first connection (start-up; for weir's load also the
merge keys' NULL check) and its COPY (for weir's load, while DuckDB writes
the CSV), INSERT and COMMIT. Last, the DuckDB statements of weir's load are
run alone at the load's and at the table's row count, to show which of
them grows with the rows.

usage: connectors.py --weir WEIR --duckdb-sql RUNNER --out SECTION.md
                     [--python /usr/bin/python3] [--extract-rows 1000000,5000000]
                     [--table-rows 5000000] [--load-rows 1000000] [--pandas-rows 200000]
                     [--repeats 3] [--seed 7] [--parts extract,merge,append]
       connectors.py pandas-child MODE CSV DSN TABLE RESULT.json   (the pandas side)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from connectors_report import PARTITIONS, report

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work", "connectors")
CLUSTER = os.path.join(ROOT, "tests", "postgres", "cluster.sh")
DS = "2024-01-01"

COLUMNS = ["id", "customer_id", "product", "amount", "quantity", "sold_at"]
TABLE_DEFINITION = ("id bigint NOT NULL, customer_id integer, product text, amount numeric(12,2), "
                    "quantity integer, sold_at timestamptz")
CSV_TYPES = ("{'id': 'BIGINT', 'customer_id': 'INTEGER', 'product': 'VARCHAR', 'amount': 'DECIMAL(12,2)', "
             "'quantity': 'INTEGER', 'sold_at': 'TIMESTAMPTZ'}")
# Products with a comma, a quote, a backslash and accents: the text paths
# (COPY text and CSV, both ways) must keep them.
PRODUCTS = ["Widget", 'Gadget "Pro"', "Gizmo, large", "Café crème", "Back\\slash", "Doohickey", "Sprocket",
            "Thingamajig"]

# The row of (id, v): each column from its own hash of (id, version, seed);
# a few NULLs in every column but id.
VALUES_SQL = """
SELECT id,
  CASE WHEN h1 % 200 = 0 THEN NULL ELSE 1 + (h1 >> 8) % 1000000 END::INTEGER AS customer_id,
  CASE WHEN h2 % 1000 = 0 THEN NULL
       ELSE {products}[1 + (h2 >> 10) % {product_count}] || ' ' || ((h2 >> 20) % 1000) END AS product,
  CASE WHEN h3 % 500 = 0 THEN NULL
       ELSE CAST(CAST((h3 >> 10) % 1000000 - 500 AS DECIMAL(12, 2)) * 0.01 AS DECIMAL(12, 2)) END AS amount,
  CASE WHEN h4 % 1000 = 0 THEN NULL ELSE 1 + (h4 >> 10) % 50 END::INTEGER AS quantity,
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds((h5 >> 8) % 31622400000000) AS sold_at  -- within 366 days
FROM (SELECT id, (hash(id, v, {seed}, 1) >> 1)::BIGINT AS h1, (hash(id, v, {seed}, 2) >> 1)::BIGINT AS h2,
             (hash(id, v, {seed}, 3) >> 1)::BIGINT AS h3, (hash(id, v, {seed}, 4) >> 1)::BIGINT AS h4,
             (hash(id, v, {seed}, 5) >> 1)::BIGINT AS h5
      FROM ({ids}) AS ids(id, v)) AS hashed
"""


class LoadSet:
    """The rows of one load: `rows` of version 2, half of them updates of
    every `step`-th key of the table (ids 1, 1 + step, ...), half new keys
    after it."""

    def __init__(self, table_rows, rows):
        if rows % 2 or table_rows % (rows // 2):
            sys.exit(f"connectors: {rows:,} load rows must be even and half of them divide {table_rows:,}")
        self.table_rows, self.rows, self.half = table_rows, rows, rows // 2
        self.step = table_rows // self.half

    def touched(self, id_sql="id"):
        """SQL: whether a key is one of this load's (the same in DuckDB and Postgres)."""
        return f"(({id_sql} <= {self.table_rows} AND ({id_sql} - 1) % {self.step} = 0) OR {id_sql} > {self.table_rows})"

    def ids_sql(self):
        return (f"SELECT 1 + i * {self.step}, 2 FROM range({self.half}) AS t(i) "
                f"UNION ALL SELECT {self.table_rows} + 1 + i, 2 FROM range({self.half}) AS t(i)")

    def expected_ids_sql(self):
        return (f"SELECT i + 1, CASE WHEN {self.touched('(i + 1)')} THEN 2 ELSE 1 END "
                f"FROM range({self.table_rows + self.half}) AS t(i)")


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


def values_sql(ids, seed):
    products = "[" + ", ".join(sql_string(p) for p in PRODUCTS) + "]"
    return VALUES_SQL.format(ids=ids, seed=seed, products=products, product_count=len(PRODUCTS))


# ---------------------------------------------------------------- pandas side

def pandas_child(mode, csv, dsn, table, out):
    """W2's load: read_csv, then to_sql(method='multi', chunksize=1000) into
    the table (append) or into a staging table followed by INSERT ... ON
    CONFLICT (merge). Writes the seconds of each step."""
    import pandas as pd
    import sqlalchemy
    start = time.perf_counter()
    frame = pd.read_csv(csv, keep_default_na=False, na_values=[""], parse_dates=["sold_at"],
                        dtype={"id": "int64", "customer_id": "Int64", "product": "object", "amount": "float64",
                               "quantity": "Int64"})
    read = time.perf_counter()
    engine = sqlalchemy.create_engine(dsn)
    schema, name = table.split(".")
    stage = name if mode == "append" else "pandas_stage"
    frame.to_sql(stage, engine, schema=schema, if_exists="append" if mode == "append" else "replace", index=False,
                 method="multi", chunksize=1000)
    written = time.perf_counter()
    if mode == "merge":
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(upsert_sql(table, f"{schema}.{stage}")))
            connection.execute(sqlalchemy.text(f"DROP TABLE {schema}.{stage}"))
    merged = time.perf_counter()
    with open(out, "w") as f:
        json.dump({"read_csv": read - start, "to_sql": written - read, "on_conflict": merged - written}, f)


def upsert_sql(table, stage):
    """INSERT ... ON CONFLICT (id) DO UPDATE from a staging table, as written by hand."""
    values = ", ".join("CAST(amount AS numeric(12,2))" if c == "amount" else c for c in COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
    return (f"INSERT INTO {table} ({', '.join(COLUMNS)}) SELECT {values} FROM {stage} "
            f"ON CONFLICT (id) DO UPDATE SET {updates}")


# ------------------------------------------------------------------ measuring

def measured(cmd, cwd, log, env=None):
    """Runs cmd as a child: wall seconds, CPU seconds (user + system), peak
    RSS in MB (ru_maxrss from os.wait4), and the start time (epoch seconds,
    for the server's log)."""
    with open(log, "w") as out:
        started_at = time.time()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"connectors: {' '.join(cmd)} failed ({code}) in {cwd}:\n{tail(log)}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "mb": usage.ru_maxrss / 1024,
            "started_at": started_at}


def tail(path, chars=3000):
    with open(path, errors="replace") as f:
        return f.read()[-chars:]


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ------------------------------------------------------------------ postgres

class Postgres:
    """The private durable cluster, the `bench` database, and psql against it."""

    def __init__(self):
        self.state = tempfile.mkdtemp(prefix="weir-bench-pg-")
        subprocess.run(["bash", CLUSTER, "start", self.state, "durable"], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(self.state, "port")) as f:
            self.port = f.read().strip()
        with open(os.path.join(self.state, "data_dir")) as f:
            self.server_log = os.path.join(f.read().strip(), "server.log")
        # Every statement's duration in the server's log, stamped with epoch seconds.
        self.psql("ALTER SYSTEM SET log_min_duration_statement = 0", "ALTER SYSTEM SET log_connections = on",
                  "ALTER SYSTEM SET log_line_prefix = '%n [%p] '", "SELECT pg_reload_conf()", database="postgres")
        self.psql("CREATE DATABASE bench", database="postgres")
        self.psql("CREATE SCHEMA bench")
        self.dsn = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/bench"

    def stop(self):
        subprocess.run(["bash", CLUSTER, "stop", self.state], check=False)
        shutil.rmtree(self.state, ignore_errors=True)

    def psql_command(self, database="bench"):
        return ["psql", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-d", database, "-X", "-q", "-At",
                "-v", "ON_ERROR_STOP=1"]

    def psql(self, *commands, database="bench", options=""):
        """Runs each command in its own transaction; the last one's rows, tab-separated."""
        cmd = self.psql_command(database) + ["-F", "\t"]
        for c in commands:
            cmd += ["-c", c]
        env = dict(os.environ, PGOPTIONS=options) if options else None
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            sys.exit(f"connectors: psql failed: {done.stderr.strip()}\nin: {commands}")
        return done.stdout.strip()

    def log_offset(self):
        return os.path.getsize(self.server_log)

    def log_since(self, offset):
        with open(self.server_log, errors="replace") as f:
            f.seek(offset)
            return f.read()


LOG_LINE = re.compile(r"^(\d+\.\d+) \[(\d+)\] LOG:  (.*)$")
DURATION = re.compile(r"duration: ([\d.]+) ms  (?:statement|(?:parse|bind|execute) [^:]*): (.*)")


def phases(log_text, started_at, wall):
    """A run's time taken apart from the server's log: before its first
    connection, then the seconds of its COPY, INSERT, COMMIT and other
    statements; `rest` is what is left of the wall time."""
    first_connection, seconds = None, {"copy": 0.0, "insert": 0.0, "commit": 0.0, "other": 0.0}
    for line in log_text.splitlines():
        m = LOG_LINE.match(line)
        if not m:
            continue
        stamp, message = float(m.group(1)), m.group(3)
        if message.startswith("connection received") and first_connection is None:
            first_connection = stamp
        d = DURATION.match(message)
        if d:
            statement = d.group(2).lstrip().upper()
            kind = next((k for k in ("copy", "insert", "commit") if statement.startswith(k.upper())), "other")
            seconds[kind] += float(d.group(1)) / 1000
    before = (first_connection - started_at) if first_connection else 0.0
    seconds = dict(seconds, before_connect=max(before, 0.0))
    seconds["rest"] = wall - sum(seconds.values())
    return seconds


def run_measured_sql_side(pg, cmd, cwd, log, env=None):
    """measured(), plus the run's phases from the server's log."""
    offset = pg.log_offset()
    m = measured(cmd, cwd, log, env)
    time.sleep(0.2)  # a backend may write its last lines after its client has seen the result
    m["phases"] = phases(pg.log_since(offset), m["started_at"], m["wall"])
    return m


# ------------------------------------------------------------------------ data

class Data:
    """The generator's files, made once: a complete file appears under its
    name only after it is written."""

    def __init__(self, runner, seed):
        self.runner, self.seed = runner, seed
        self.dir = os.path.join(WORK, "data")
        os.makedirs(self.dir, exist_ok=True)

    def file(self, name, ids, fmt, order_by_hash=False):
        path = os.path.join(self.dir, f"{name}_seed{self.seed}.{fmt}")
        if os.path.exists(path):
            return path
        print(f"connectors: generating {path}", flush=True)
        sql = values_sql(ids, self.seed)
        if order_by_hash:  # loads arrive in no key order
            sql = f"SELECT * FROM ({sql}) ORDER BY hash(id, {self.seed})"
        options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
        subprocess.run([self.runner, "SET TimeZone = 'UTC'", f"COPY ({sql}) TO {sql_string(path + '.tmp')} ({options})"],
                       check=True, stdout=subprocess.DEVNULL)
        os.replace(path + ".tmp", path)
        return path

    def base(self, table_rows):
        return self.file(f"base_{table_rows}", f"SELECT i + 1, 1 FROM range({table_rows}) AS t(i)", "csv")

    def load(self, load_set, fmt):
        return self.file(f"load_{load_set.table_rows}_{load_set.rows}", load_set.ids_sql(), fmt, order_by_hash=True)

    def expected(self, load_set):
        return self.file(f"expected_{load_set.table_rows}_{load_set.rows}", load_set.expected_ids_sql(), "csv")


# ---------------------------------------------------------------- checksums

def row_checksum_parts(row_text, epoch_us, hash60):
    parts = ["count(*)", "sum(id)", "count(customer_id)", "sum(customer_id)", "count(product)", "sum(length(product))",
             "count(amount)", "sum(amount)", "count(quantity)", "sum(quantity)", f"sum({epoch_us})",
             f"sum({hash60.format(row=row_text)})"]
    return ", ".join(parts)


PG_EPOCH_US = "CAST(extract(epoch FROM sold_at) * 1000000 AS bigint)"
PG_ROW_TEXT = ("concat_ws('|', id, coalesce(customer_id::text, '~'), coalesce(product, '~'), "
               f"coalesce(amount::text, '~'), coalesce(quantity::text, '~'), coalesce({PG_EPOCH_US}::text, '~'))")
DUCK_ROW_TEXT = ("concat_ws('|', CAST(id AS VARCHAR), coalesce(CAST(customer_id AS VARCHAR), '~'), "
                 "coalesce(product, '~'), coalesce(CAST(amount AS VARCHAR), '~'), "
                 "coalesce(CAST(quantity AS VARCHAR), '~'), coalesce(CAST(epoch_us(sold_at) AS VARCHAR), '~'))")
CHECKSUM_NAMES = ["rows", "sum(id)", "count(customer_id)", "sum(customer_id)", "count(product)", "sum(length(product))",
                  "count(amount)", "sum(amount)", "count(quantity)", "sum(quantity)", "sum(sold_at µs)",
                  "sum(row md5)"]


def postgres_checksum(pg, query):
    parts = row_checksum_parts(PG_ROW_TEXT, PG_EPOCH_US, "CAST(CAST('x' || substr(md5({row}), 1, 15) AS bit(60)) AS bigint)")
    return dict(zip(CHECKSUM_NAMES, pg.psql(f"SELECT {parts} FROM ({query}) AS q").split("\t")))


def duckdb_checksum(runner, path):
    source = (f"read_parquet({sql_string(path)})" if path.endswith(".parquet")
              else f"read_csv({sql_string(path)}, header = true, columns = {CSV_TYPES})")
    parts = row_checksum_parts(DUCK_ROW_TEXT, "epoch_us(sold_at)", "CAST('0x' || substr(md5({row}), 1, 15) AS BIGINT)")
    out = subprocess.run([runner, "SET TimeZone = 'UTC'", f"SELECT {parts} FROM {source}"], check=True,
                         capture_output=True, text=True).stdout.strip()
    return dict(zip(CHECKSUM_NAMES, out.split("\t")))


def agree_with_table(what, table_sums, file_sums):
    diff = [k for k in CHECKSUM_NAMES if table_sums.get(k) != file_sums.get(k)]
    if diff:
        sys.exit(f"connectors: {what} disagrees with the table, no figure printed:\n  " +
                 "\n  ".join(f"{k}: table {table_sums.get(k)} vs file {file_sums.get(k)}" for k in diff))


def compare_table(pg, table, expected_sql, what):
    """Stops the benchmark unless the table holds exactly the expected rows
    (counts, and EXCEPT ALL both ways)."""
    columns = ", ".join(COLUMNS)
    got = pg.psql(f"SELECT (SELECT count(*) FROM {table}), (SELECT count(*) FROM ({expected_sql}) AS e), "
                  f"(SELECT count(*) FROM (SELECT {columns} FROM {table} EXCEPT ALL {expected_sql}) AS extra), "
                  f"(SELECT count(*) FROM ({expected_sql} EXCEPT ALL SELECT {columns} FROM {table}) AS missing)",
                  options="-c work_mem=1GB").split("\t")
    rows, expected, extra, missing = (int(x) for x in got)
    if rows != expected or extra or missing:
        sys.exit(f"connectors: {what}: {table} has {rows:,} rows, expected {expected:,}; {extra:,} rows not "
                 f"expected, {missing:,} expected rows missing: no figure printed")
    return rows


# -------------------------------------------------------------------- setup

def load_tables(pg, data, table_rows, load_sets):
    """bench.sales (the source of (a), the base of (b)) and one unlogged
    table of the expected rows per load set, all by \\copy of the generator's CSV."""
    print(f"connectors: loading {table_rows:,} rows into bench.sales", flush=True)
    pg.psql(f"CREATE TABLE bench.sales ({TABLE_DEFINITION})",
            f"\\copy bench.sales FROM {sql_string(data.base(table_rows))} CSV HEADER",
            "ALTER TABLE bench.sales ADD PRIMARY KEY (id)")
    for s in load_sets:
        table = f"bench.expected_{s.rows}"
        pg.psql(f"CREATE UNLOGGED TABLE {table} ({TABLE_DEFINITION})",
                f"\\copy {table} FROM {sql_string(data.expected(s))} CSV HEADER")
    pg.psql("VACUUM ANALYZE", "CHECKPOINT")


def reset_target(pg):
    """bench.target: the 5M rows of bench.sales with its primary key, vacuumed and checkpointed."""
    pg.psql("DROP TABLE IF EXISTS bench.target", f"CREATE TABLE bench.target ({TABLE_DEFINITION})",
            "INSERT INTO bench.target SELECT * FROM bench.sales", "ALTER TABLE bench.target ADD PRIMARY KEY (id)",
            "VACUUM ANALYZE bench.target", "CHECKPOINT")


def reset_appended(pg):
    """bench.appended: empty, keyed."""
    pg.psql("DROP TABLE IF EXISTS bench.appended", f"CREATE TABLE bench.appended ({TABLE_DEFINITION})",
            "ALTER TABLE bench.appended ADD PRIMARY KEY (id)", "CHECKPOINT")


def expected_merge_sql(load_set):
    return f"SELECT {', '.join(COLUMNS)} FROM bench.expected_{load_set.rows}"


def expected_append_sql(load_set):
    return f"SELECT {', '.join(COLUMNS)} FROM bench.expected_{load_set.rows} WHERE {load_set.touched()}"


# --------------------------------------------------------------------- weir

def weir_project(root, port, task_yaml):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "pipelines"))
    os.makedirs(os.path.join(root, "lake", "in"))
    with open(os.path.join(root, "weir.yml"), "w") as f:
        f.write("name: bench_connectors\nlake: lake/\nconnections:\n"
                f"  pg: {{type: postgres, host: 127.0.0.1, port: {port}, user: postgres, dbname: bench}}\n")
    with open(os.path.join(root, "pipelines", "bench.yml"), "w") as f:
        f.write("pipeline: bench\ntasks:\n" + task_yaml)
    return root


def link(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        os.symlink(src, dst)


def extract_query(rows):
    return f"SELECT {', '.join(COLUMNS)} FROM bench.sales WHERE id <= {rows}"


class Bench:
    """The measured runs, against one cluster; each run's project and log
    under bench/work/connectors/runs."""

    def __init__(self, args, pg, data):
        self.args, self.pg, self.data = args, pg, data
        self.runs = os.path.join(WORK, "runs")
        shutil.rmtree(self.runs, ignore_errors=True)
        os.makedirs(self.runs)

    def path(self, *parts):
        return os.path.join(self.runs, *parts)

    def run_weir(self, name, task_yaml, inputs=()):
        root = weir_project(self.path(name), self.pg.port, task_yaml)
        for src, dst in inputs:
            link(src, os.path.join(root, "lake", dst))
        return run_measured_sql_side(self.pg, [self.args.weir, "run", "bench", "--date", DS], root,
                                     self.path(name + ".log")), root

    def run_psql(self, name, commands):
        cmd = self.pg.psql_command()
        for c in commands:
            cmd += ["-c", c]
        return run_measured_sql_side(self.pg, cmd, self.runs, self.path(name + ".log"))

    def run_pandas(self, name, mode, csv, table):
        out = self.path(name + ".json")
        # Its INSERTs of 1,000 rows each stay out of the server's log: writing them would slow it down.
        env = dict(os.environ, PGOPTIONS="-c log_min_duration_statement=-1")
        m = measured([self.args.python, os.path.abspath(__file__), "pandas-child", mode, csv, self.pg.dsn, table, out],
                     self.runs, self.path(name + ".log"), env)
        with open(out) as f:
            m["steps"] = json.load(f)
        return m

    # (a) -------------------------------------------------------------- extract
    def extract(self, rows):
        query = extract_query(rows)
        task = (f"  - id: sales\n    kind: extract\n    connection: pg\n    sql: \"{query}\"\n"
                "    to: raw/sales.parquet\n")
        tasks = {"weir": task, "weir parallel": task + f"    parallel: {{column: id, partitions: {PARTITIONS}}}\n"}
        table_sums = postgres_checksum(self.pg, query)  # also warms the cache for every side
        runs, load = {"weir": [], "weir parallel": [], "floor": []}, [load_average()]
        for rep in range(self.args.repeats):
            for side, side_task in tasks.items():
                m, root = self.run_weir(f"extract_{rows}_{side.replace(' ', '_')}_{rep}", side_task)
                parquet = os.path.join(root, "lake", "raw", "sales.parquet")
                agree_with_table(f"{side}'s Parquet of {rows:,} rows", table_sums,
                                 duckdb_checksum(self.args.duckdb_sql, parquet))
                m["file_mb"] = os.path.getsize(parquet) / 1e6
                runs[side].append(m)
                shutil.rmtree(root)
            csv = self.path(f"floor_{rows}.csv")
            runs["floor"].append(self.run_psql(f"extract_floor_{rows}_{rep}",
                                               [f"\\copy ({query}) TO {sql_string(csv)} CSV HEADER"]))
            agree_with_table(f"the floor's CSV of {rows:,} rows", table_sums, duckdb_checksum(self.args.duckdb_sql, csv))
            runs["floor"][-1]["file_mb"] = os.path.getsize(csv) / 1e6
            os.remove(csv)
            self.progress(f"extract {rows:,}", rep, runs)
        load.append(load_average())
        print(f"connectors: extract of {rows:,} rows: Parquet and CSV agree with the table "
              f"(row md5 sum {table_sums['sum(row md5)']})", flush=True)
        return {"rows": rows, "runs": runs, "load": load}

    # (b) ---------------------------------------------------------------- loads
    def load(self, mode, load_set, pandas_set):
        table = "bench.target" if mode == "merge" else "bench.appended"
        reset = reset_target if mode == "merge" else reset_appended
        expected = expected_merge_sql if mode == "merge" else expected_append_sql
        parquet, csv = self.data.load(load_set, "parquet"), self.data.load(load_set, "csv")
        task = (f"  - id: sales\n    kind: load\n    connection: pg\n    from: in/sales.parquet\n"
                f"    table: {table}\n    mode: {mode}\n" + ("    keys: [id]\n" if mode == "merge" else ""))
        # One psql session, one transaction (as weir's), each command on its own.
        floor = (["BEGIN", f"CREATE TEMP TABLE stage ({TABLE_DEFINITION}) ON COMMIT DROP",
                  f"\\copy stage FROM {sql_string(csv)} CSV HEADER", upsert_sql(table, "stage"), "COMMIT"]
                 if mode == "merge" else [f"\\copy {table} FROM {sql_string(csv)} CSV HEADER"])
        runs, load = {"weir": [], "floor": []}, [load_average()]
        for rep in range(self.args.repeats):
            reset(self.pg)
            m, root = self.run_weir(f"{mode}_{rep}", task, [(parquet, "in/sales.parquet")])
            compare_table(self.pg, table, expected(load_set), f"weir {mode}")
            runs["weir"].append(m)
            shutil.rmtree(root)
            reset(self.pg)
            runs["floor"].append(self.run_psql(f"{mode}_floor_{rep}", floor))
            compare_table(self.pg, table, expected(load_set), f"floor {mode}")
            self.progress(f"{mode} {load_set.rows:,}", rep, runs)
        small = self.load_small(mode, pandas_set, table, reset, expected, task)
        load.append(load_average())
        print(f"connectors: {mode}: every run left {table} equal to the expected rows", flush=True)
        return dict(small, mode=mode, rows=load_set.rows, table_rows=load_set.table_rows, runs=runs, load=load)

    def load_small(self, mode, pandas_set, table, reset, expected, task):
        """pandas on the smaller set, and weir once on the same rows."""
        reset(self.pg)
        pandas = self.run_pandas(f"{mode}_pandas", mode, self.data.load(pandas_set, "csv"), table)
        compare_table(self.pg, table, expected(pandas_set), f"pandas {mode}")
        print(f"connectors: {mode} {pandas_set.rows:,}, pandas: {pandas['wall']:.1f} s, {pandas['mb']:.0f} MB "
              f"({', '.join(f'{k} {v:.1f} s' for k, v in pandas['steps'].items())})", flush=True)
        reset(self.pg)
        weir_small, root = self.run_weir(f"{mode}_small", task, [(self.data.load(pandas_set, "parquet"), "in/sales.parquet")])
        compare_table(self.pg, table, expected(pandas_set), f"weir {mode} of {pandas_set.rows:,} rows")
        shutil.rmtree(root)
        return {"pandas": pandas, "weir_small": weir_small, "small_rows": pandas_set.rows}

    def progress(self, what, rep, runs):
        print(f"connectors: {what}, run {rep + 1}: " +
              ", ".join(f"{side} {r[-1]['wall']:.2f} s {r[-1]['mb']:.0f} MB" for side, r in runs.items()), flush=True)


# ------------------------------------------------------------ memory apart

def duckdb_steps(args, data, load_set):
    """Weir's load runs DuckDB over the whole file: a merge's check for NULL
    keys, and the CSV it streams into COPY; its GROUP BY over the keys is
    gone (a key twice is left to Postgres), and measured here as it was.
    Each is run alone by the DuckDB runner, at the load's rows and at the
    table's, to see which part of weir's peak grows with the rows."""
    base = data.file(f"base_{args.table_rows}", f"SELECT i + 1, 1 FROM range({args.table_rows}) AS t(i)", "parquet")
    files = {load_set.rows: data.load(load_set, "parquet"), args.table_rows: base}
    csv = os.path.join(WORK, "runs", "steps.csv")
    steps = {
        "merge keys' NULL check (weir now)": ["SELECT count(*) FROM {src} WHERE id IS NULL"],
        "merge keys' GROUP BY id (weir before; dropped)": ["SELECT id, count(*) AS n FROM {src} GROUP BY id "
                                                           "HAVING count(*) > 1 OR id IS NULL LIMIT 5"],
        "CSV for COPY, `preserve_insertion_order = false` (as weir writes it)": [
            "SET TimeZone = 'UTC'", "SET preserve_insertion_order = false",
            f"COPY (SELECT {', '.join(COLUMNS)} FROM {{src}}) TO {sql_string(csv)} (FORMAT csv, HEADER false)"],
    }
    results = {}
    for step, statements in steps.items():
        for rows, path in files.items():
            cmd = [args.duckdb_sql] + [st.format(src=f"read_parquet({sql_string(path)})") for st in statements]
            results[(step, rows)] = measured(cmd, WORK, os.path.join(WORK, "runs", "steps.log"))
    if os.path.exists(csv):
        os.remove(csv)
    return {"rows": list(files), "results": results, "steps": list(steps)}


def main():
    if len(sys.argv) == 7 and sys.argv[1] == "pandas-child":
        pandas_child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--weir", required=True)
    parser.add_argument("--duckdb-sql", required=True)
    parser.add_argument("--python", default="/usr/bin/python3", help="a python3 with pandas, SQLAlchemy, psycopg2")
    parser.add_argument("--out", required=True)
    parser.add_argument("--extract-rows", default="1000000,5000000")
    parser.add_argument("--table-rows", type=int, default=5000000, help="rows of the table (b) loads into")
    parser.add_argument("--load-rows", type=int, default=1000000)
    parser.add_argument("--pandas-rows", type=int, default=200000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--parts", default="extract,merge,append")
    args = parser.parse_args()
    args.weir, args.duckdb_sql = os.path.abspath(args.weir), os.path.abspath(args.duckdb_sql)
    parts = set(args.parts.split(","))
    extract_rows = [int(r) for r in args.extract_rows.split(",")]
    if max(extract_rows) > args.table_rows:
        sys.exit("connectors: --extract-rows must not exceed --table-rows")
    load_set, pandas_set = LoadSet(args.table_rows, args.load_rows), LoadSet(args.table_rows, args.pandas_rows)
    os.makedirs(WORK, exist_ok=True)
    data = Data(args.duckdb_sql, args.seed)
    pg = Postgres()
    try:
        load_tables(pg, data, args.table_rows, [load_set, pandas_set])
        bench = Bench(args, pg, data)
        extracts = [bench.extract(rows) for rows in extract_rows] if "extract" in parts else []
        loads = [bench.load(mode, load_set, pandas_set) for mode in ("merge", "append") if mode in parts]
    finally:
        pg.stop()
    apart = duckdb_steps(args, data, load_set) if loads else None
    text = report(args, extracts, loads, apart)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
