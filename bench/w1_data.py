#!/usr/bin/env python3
"""W1's raw sales payload at scale: N orders as one JSON array, one record a
line, like the sales API's page:

  {"order_id": 1136, "customer_id": 10, "product_id": 4, "amount": "90.59", "quantity": 3, "created_at": "2024-01-02T09:42:57"}

Amounts are strings; about 1% of records have a null order_id and about 1%
a null amount (about 2% dropped by W1's clean step). Order ids are unique.
Reproducible: a fixed seed and the standard library only, so the same N
gives the same bytes on every machine. Records are streamed to disk in
blocks, never held all at once; the file appears under its name only once
it is complete.

usage: w1_data.py N OUT.json
"""
import os
import random
import sys

SEED = 20240101
BLOCK = 50_000
FIRST_ORDER = 1000


def generate(n, out):
    rng = random.Random(SEED)
    rand = rng.random
    randrange = rng.randrange
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        f.write("[\n")
        for start in range(0, n, BLOCK):
            lines = []
            for i in range(start, min(n, start + BLOCK)):
                r = rand()
                order_id = "null" if r < 0.01 else str(FIRST_ORDER + i)
                cents = randrange(100, 50_000)
                amount = "null" if 0.01 <= r < 0.02 else f'"{cents // 100}.{cents % 100:02d}"'
                second = randrange(86_400)
                day = 1 + randrange(7)
                lines.append(
                    f'{{"order_id": {order_id}, "customer_id": {randrange(1, 5001)}, '
                    f'"product_id": {randrange(1, 501)}, "amount": {amount}, "quantity": {randrange(1, 11)}, '
                    f'"created_at": "2024-01-{day:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"}}'
                )
            f.write(",\n".join(lines))
            f.write(",\n" if start + BLOCK < n else "\n")
        f.write("]\n")
    os.replace(tmp, out)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    generate(int(sys.argv[1]), sys.argv[2])


if __name__ == "__main__":
    main()
