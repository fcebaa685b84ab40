#!/usr/bin/env python3
"""Writes a dbt project of N models over seeds, for the models benchmark
and the 1,000-model correctness test, with the row count every model must
have (expected_rows.csv), computed here by simulating the id sets.

Seeds hold ids in different ranges; a model joins 1 to 3 parents on id
(an inner join: the ids all parents share) and may keep only some ids
(id % m = r). Models sit in `depth` layers, each after parents of earlier
layers; a third are tables, the rest views (no more than two views
stacked).

usage: dbt_project_gen.py DIR --models 1000 [--depth 20] [--seeds 10] [--seed 7]
"""
import argparse
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--models", type=int, default=1000)
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.dir, "seeds"), exist_ok=True)
    with open(os.path.join(args.dir, "dbt_project.yml"), "w") as f:
        f.write("name: generated\nprofile: generated\nmodels:\n  generated:\n    +materialized: view\n")
    with open(os.path.join(args.dir, "profiles.yml"), "w") as f:
        f.write("generated:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
                f"      path: generated.duckdb\n      threads: {args.threads}\n")
    ids = {}
    for s in range(args.seeds):
        lo = rng.randrange(0, 200)
        hi = lo + rng.randrange(200, 600)
        name = f"seed_{s}"
        ids[name] = set(range(lo, hi))
        with open(os.path.join(args.dir, "seeds", name + ".csv"), "w") as f:
            f.write("id,v\n" + "".join(f"{i},{i % 97}\n" for i in range(lo, hi)))
    layers = [[f"seed_{s}" for s in range(args.seeds)]]
    view_depth = {}
    per_layer = max(1, args.models // args.depth)
    count = 0
    for layer in range(1, args.depth + 1):
        names = []
        n = per_layer if layer < args.depth else args.models - count
        for _ in range(n):
            name = f"m{count:05d}"
            count += 1
            folder = os.path.join(args.dir, "models", f"layer_{layer:02d}")
            os.makedirs(folder, exist_ok=True)
            parents = [rng.choice(layers[-1])]
            earlier = [p for lay in layers for p in lay]
            parents += rng.sample(earlier, rng.randint(0, min(2, len(earlier))))
            parents = list(dict.fromkeys(parents))
            keep = ids[parents[0]].copy()
            for p in parents[1:]:
                keep &= ids[p]
            where = ""
            if rng.random() < 0.3:
                m, r = rng.randint(2, 4), rng.randrange(2)
                keep = {i for i in keep if i % m == r}
                where = f"\nwhere p0.id % {m} = {r}"
            ids[name] = keep
            # A view over a view over a view makes DuckDB bind the whole
            # chain at every level: views stack at most two deep.
            table = rng.random() < 0.33 or max(view_depth.get(p, 0) for p in parents) >= 2
            view_depth[name] = 0 if table else 1 + max(view_depth.get(p, 0) for p in parents)
            config = "{{ config(materialized='table') }}\n" if table else ""
            joins = "".join(f"\njoin {{{{ ref('{p}') }}}} p{k} using (id)" for k, p in enumerate(parents[1:], 1))
            sums = " + ".join(f"p{k}.v" for k in range(len(parents)))
            with open(os.path.join(folder, name + ".sql"), "w") as f:
                f.write(f"{config}select p0.id, ({sums}) % 97 as v\nfrom {{{{ ref('{parents[0]}') }}}} p0{joins}{where}\n")
            names.append(name)
        layers.append(names)
    with open(os.path.join(args.dir, "expected_rows.csv"), "w") as f:
        f.write("model,rows\n")
        for name in sorted(ids):
            if name.startswith("m"):
                f.write(f"{name},{len(ids[name])}\n")


if __name__ == "__main__":
    main()
