"""Writes raw sales for one day (deterministic per day), with the dirty rows
W4's staging model filters out: NULL and non-positive amounts."""
import csv, random, sys

day = sys.argv[1]              # 2024-01-01
rng = random.Random(day)
base = int(day.replace("-", "")) * 1000
with open(sys.argv[2], "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["id", "customer_id", "product_id", "amount", "quantity", "created_at"])
    for i in range(rng.randint(150, 250)):
        amount = rng.choice(["", "0", "-5.00"]) if rng.random() < 0.1 else f"{rng.uniform(1, 500):.2f}"
        hour, minute = rng.randrange(24), rng.randrange(60)
        out.writerow([base + i, rng.randrange(40), rng.randrange(3), amount, rng.randint(1, 5),
                      f"{day} {hour:02d}:{minute:02d}:00"])
