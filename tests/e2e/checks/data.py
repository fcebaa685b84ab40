"""The case's data, and what the checks must find in it, computed here in
plain Python from the same rows (independently of Weir and DuckDB).

    data.py csv            the rows as CSV (order_id, amount, status, created_at)
    data.py expect DAYS    JSON of expected values over the days loaded
    data.py fixed DAYS     the same after the bad amount of order 6003 became 5
    data.py quarantine DAY rows loaded and quarantined per check (first failing check wins)
"""
import json
import sys

ROWS_PER_DAY = {1: 10, 2: 11, 3: 9, 4: 10, 5: 40, 6: 10}


def rows(fixed=False):
    for day, n in ROWS_PER_DAY.items():
        for i in range(n):
            amount = (i * 7 % 50) + 0.5
            if day == 6 and i == 3:
                amount = 5.0 if fixed else -5.0
            status = "placed" if i % 2 else "shipped"
            if day == 2 and i == 4:
                status = "lost"
            minute = i * 13 % 60
            hour = i % 24
            yield (day * 1000 + i, amount, status, f"2024-03-0{day} {hour:02d}:{minute:02d}:00")


def main():
    if sys.argv[1] == "csv":
        print("order_id,amount,status,created_at")
        for r in rows():
            print(",".join(str(v) for v in r))
        return
    if sys.argv[1] == "quarantine":
        day = int(sys.argv[2])
        reasons = {"accepted_values(status)": 0, "amount at most 30": 0}
        loaded = 0
        for r in rows():
            if int(r[3][8:10]) != day:
                continue
            if r[2] not in ("placed", "shipped"):
                reasons["accepted_values(status)"] += 1
            elif r[1] > 30:
                reasons["amount at most 30"] += 1
            else:
                loaded += 1
        for reason, n in sorted(reasons.items()):
            if n:
                print(f"{reason},{n}")
        print(f"loaded,{loaded}")
        return
    days = {int(d) for d in sys.argv[2:]}
    loaded = [r for r in rows(sys.argv[1] == "fixed") if int(r[3][8:10]) in days]
    print(json.dumps({
        "row_count": len(loaded),
        "between(amount)": sum(1 for r in loaded if not 0 <= r[1] <= 1000),
        "accepted_values(status)": sum(1 for r in loaded if r[2] not in ("placed", "shipped")),
        "sum(amount)": round(sum(r[1] for r in loaded), 6),
        "statuses": len({r[2] for r in loaded}),
        "small_segments": sorted(s for s in {r[2] for r in loaded} if sum(1 for r in loaded if r[2] == s) < 5),
    }, sort_keys=True))


main()
