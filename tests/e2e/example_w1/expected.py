"""The daily sales example's expected warehouse, computed from the sample
payloads alone with the standard library: W1's cleaning rules, the merge on
order_id (a later day's row replaces an earlier one), and W4's mart."""
import json, os, sys
from decimal import Decimal, ROUND_HALF_EVEN

root, what = sys.argv[1], sys.argv[2]
days = sorted(f[len("sales_"):-len(".json")] for f in os.listdir(os.path.join(root, "data", "api")))
sales, rejects = {}, {}
for ds in days:
    for r in json.load(open(os.path.join(root, "data", "api", f"sales_{ds}.json"))):
        reason = None
        if r.get("order_id") is None:
            reason = "missing order_id"
        elif r.get("amount") is None:
            reason = "missing or bad amount"
        else:
            try:
                amount = Decimal(r["amount"]).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
            except Exception:
                reason = "missing or bad amount"
        if reason:
            rejects[(ds, reason)] = rejects.get((ds, reason), 0) + 1
            continue
        sales[int(r["order_id"])] = (amount, int(r["customer_id"]), r["created_at"][:10])

if what == "sales":
    print("order_id,customer_id,amount,date")
    for k in sorted(sales):
        amount, customer, date = sales[k]
        print(f"{k},{customer},{amount},{date}")
elif what == "rejects":
    print("ds,reason,n")
    for (ds, reason), n in sorted(rejects.items()):
        print(f"{ds},{reason},{n}")
elif what == "mart":
    print("sale_date,total_orders,unique_customers,total_revenue,avg_order_value")
    by_day = {}
    for k, (amount, customer, date) in sales.items():
        d = by_day.setdefault(date, {"orders": set(), "customers": set(), "amounts": []})
        d["orders"].add(k); d["customers"].add(customer); d["amounts"].append(amount)
    for date in sorted(by_day):
        d = by_day[date]
        total = sum(d["amounts"])
        avg = total / len(d["amounts"])
        print(f"{date},{len(d['orders'])},{len(d['customers'])},{total},{avg}")
