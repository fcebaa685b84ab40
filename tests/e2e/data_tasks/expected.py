"""Computes what the warehouse must hold after running the given dates, from
orders.csv alone (standard library only), and prints it as weir query's CSV."""
import csv, os, sys

dates = sys.argv[2:]
table = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(os.environ["CASE_DIR"], "orders.csv"))))
orders, rejects = {}, {}
for ds in dates:
    for r in rows:
        if r["created_at"][:10] != ds:
            continue
        try:
            amount = float(r["amount"])
        except ValueError:
            amount = None
        if not r["order_id"]:
            rejects[(ds, "missing order_id")] = rejects.get((ds, "missing order_id"), 0) + 1
        elif amount is None:
            rejects[(ds, "missing or bad amount")] = rejects.get((ds, "missing or bad amount"), 0) + 1
        else:
            orders[int(r["order_id"])] = (amount, r["created_at"], ds)  # merge: later days win
if table == "orders":
    print("order_id,amount,date")
    for k in sorted(orders):
        print(f"{k},{orders[k][0]},{orders[k][2]}")
elif table == "rejects":
    print("ds,reason,n")
    for (ds, reason), n in sorted(rejects.items()):
        print(f"{ds},{reason},{n}")
elif table == "daily":
    print("date,orders,revenue")
    by_day = {}
    for amount, _, ds in orders.values():
        n, total = by_day.get(ds, (0, 0.0))
        by_day[ds] = (n + 1, total + amount)
    for ds in sorted(by_day):
        print(f"{ds},{by_day[ds][0]},{round(by_day[ds][1], 2)}")
