#!/usr/bin/env python3
"""The pandas peer of W1's clean-and-transform, as the Airflow DAG's
`clean_and_transform` does it: read the raw JSON, drop rows without
order_id or amount, cast amount to float and created_at to a timestamp,
derive date and hour. Written as CSV: Debian's pandas has no Parquet engine.
order_id is cast back to an integer (nulls made it float on read) and the
day is stamped as loaded_ds, as the weir and DuckDB SQL do.

usage: w1_pandas.py IN.json OUT.csv DS
"""
import sys

import pandas as pd


def main():
    src, out, ds = sys.argv[1:4]
    df = pd.read_json(src)
    df = df.dropna(subset=["order_id", "amount"])
    df["order_id"] = df["order_id"].astype("int64")
    df["amount"] = df["amount"].astype(float)
    df["created_at"] = pd.to_datetime(df["created_at"])
    df["date"] = df["created_at"].dt.date
    df["hour"] = df["created_at"].dt.hour
    df["loaded_ds"] = ds
    df.to_csv(out, index=False)


if __name__ == "__main__":
    main()
