"""What checks/big.yml must observe on lake/big.parquet, computed here in
plain Python from the generator's formula (the steps' COPY), independently
of Weir and DuckDB; compared with `weir test --json`'s results.

Row i of N (0 <= i < N):
    id           i
    customer_id  NULL when i % 97 = 0, else i % 5000
    amount       (i % 1000) * 0.5
    status       placed, shipped, returned, lost for i % 4 = 0, 1, 2, 3
    email        'user<i % 100000>' when i % 13 = 0, else 'u<i % 100000>@ex.com'
    created_at   2024-01-01 00:00:00 + (i % 2678400) seconds (31 days)

Every column is periodic in i, so a count over the N rows is a count over
one period times the number of rows in each residue class.

usage: expected.py RESULTS.json
"""
import json
import math
import re
import sys
from fractions import Fraction

N = 10_000_000
DAY = 86400


def customer_id(i):
    return None if i % 97 == 0 else i % 5000


def amount(i):
    return Fraction(i % 1000, 2)


def status(i):
    return ["placed", "shipped", "returned", "lost"][i % 4]


def email(i):
    return f"user{i % 100000}" if i % 13 == 0 else f"u{i % 100000}@ex.com"


def created_at_seconds(i):
    """Seconds after 2024-01-01 00:00:00."""
    return i % (31 * DAY)


def rows_in_class(r, period):
    """How many i in [0, N) have i % period == r."""
    return N // period + (1 if r < N % period else 0)


def count(failing, period):
    """Rows for which failing(i) holds, failing depending on i % period only."""
    return sum(rows_in_class(r, period) for r in range(period) if failing(r))


def amount_metrics():
    """sum, avg, min, max, sample stddev and the continuous median of amount."""
    weights = {amount(r): rows_in_class(r, 1000) for r in range(1000)}
    total = sum(v * w for v, w in weights.items())
    mean = total / N
    variance = sum(w * (v - mean) ** 2 for v, w in weights.items()) / (N - 1)
    return {"sum(amount)": total, "avg(amount)": mean, "min(amount)": min(weights), "max(amount)": max(weights),
            "stddev(amount)": math.sqrt(variance), "percentile(amount, 0.5)": quantile_cont(weights, Fraction(1, 2))}


def quantile_cont(weights, p):
    """DuckDB's quantile_cont: linear between the values at floor and ceil of (N - 1) * p."""
    position = (N - 1) * p
    low, high = math.floor(position), math.ceil(position)

    def at(index):
        seen = 0
        for value in sorted(weights):
            seen += weights[value]
            if index < seen:
                return value
        raise IndexError(index)
    return at(low) + (at(high) - at(low)) * (position - low)


def expected():
    nulls = count(lambda i: customer_id(i) is None, 97)
    email_ok = re.compile(r"^[^@]+@[^@]+\.[a-z]+$")
    out = {
        "row_count": N,
        "not_null(id)": 0,
        "not_null(customer_id)": nulls,
        "accepted_values(status)": count(lambda i: status(i) not in ("placed", "shipped", "returned"), 4),
        "between(amount)": count(lambda i: not 0 <= amount(i) <= 400, 1000),
        "regex(email)": count(lambda i: not email_ok.search(email(i)), 13),
        "length(status)": count(lambda i: not 6 <= len(status(i)) <= 7, 4),
        "missing_percent(customer_id)": Fraction(100 * nulls, N),
        "distinct_count(status)": 4,
        "expression(created_at < TIMESTAMP '2024-01-31')": count(lambda i: created_at_seconds(i) >= 30 * DAY,
                                                                  31 * DAY),
    }
    out.update(amount_metrics())
    return {name: float(value) for name, value in out.items()}


def main():
    with open(sys.argv[1]) as f:
        suites = json.load(f)["suites"]
    assert len(suites) == 1 and suites[0]["scans"] == 1, [(s["suite"], s["scans"]) for s in suites]
    got = {r["name"]: r for r in suites[0]["results"]}
    want = expected()
    assert sorted(got) == sorted(want), (sorted(got), sorted(want))
    for name, value in want.items():
        observed = got[name]["observed"]
        assert observed is not None and math.isclose(observed, value, rel_tol=1e-9, abs_tol=0), \
            f"{name}: observed {observed}, expected {value}"
        assert got[name]["rows_checked"] == N, (name, got[name]["rows_checked"])
    failing = sorted(name for name, r in got.items() if r["status"] == "fail")
    assert failing == sorted(["not_null(customer_id)", "accepted_values(status)", "between(amount)", "regex(email)",
                              "length(status)", "expression(created_at < TIMESTAMP '2024-01-31')"]), failing
    print(f"ok: {len(want)} observed values as expected over {N:,} rows, 1 scan")


if __name__ == "__main__":
    main()
