"""fct_daily_sales computed from the shipped CSV files with the standard
library alone: per order date and category, units and revenue of orders
with quantity >= 1 (weir.yml's min_quantity), and the date of the run that
loaded them. Arguments: the project folder, then the dates run so far."""
import csv, sys
from collections import defaultdict
from decimal import Decimal

root, dates = sys.argv[1], sys.argv[2:]
products = {r["product_id"]: r for r in csv.DictReader(open(f"{root}/seeds/products.csv"))}
days = defaultdict(lambda: [0, Decimal(0)])
for ds in dates:
    for row in csv.DictReader(open(f"{root}/data/orders-{ds}.csv")):
        q = int(row["quantity"])
        if q < 1:
            continue
        p = products[row["product_id"]]
        d = days[(row["order_date"], p["category"])]
        d[0] += q
        d[1] += q * Decimal(p["price"])
print("order_date,category,units,revenue,loaded_for")
for (day, category) in sorted(days):
    units, revenue = days[(day, category)]
    print(f"{day},{category},{units},{revenue},{day}")
