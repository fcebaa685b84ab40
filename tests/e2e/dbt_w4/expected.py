"""fct_daily_sales computed from the raw CSV files with the standard
library alone: per sale date, distinct sales and customers, revenue and
average over rows whose amount is present and above 0."""
import csv, sys
from collections import defaultdict
from decimal import Decimal

days = defaultdict(lambda: {"ids": set(), "customers": set(), "amounts": []})
for path in sys.argv[1:]:
    for row in csv.DictReader(open(path)):
        if row["amount"] == "" or Decimal(row["amount"]) <= 0:
            continue
        d = days[row["created_at"][:10]]
        d["ids"].add(row["id"])
        d["customers"].add(row["customer_id"])
        d["amounts"].append(Decimal(row["amount"]))
print("sale_date,total_orders,unique_customers,total_revenue,avg_order_value")
for day in sorted(days):
    d = days[day]
    total = sum(d["amounts"])
    print(f"{day},{len(d['ids'])},{len(d['customers'])},{total},{float(total) / len(d['amounts'])}")
