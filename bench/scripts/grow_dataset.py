#!/usr/bin/env python3
"""Grows a Kaggle-layout Instacart folder by cloning its users, for the feature-building benchmark.

Copy 0 is the data as it is; copy c >= 1 re-issues every user and order under new ids
(id + c * (max id + 1)) and jitters each known days_since_prior_order by a whole number of days
in [-2, 2] (clipped to Instacart's 0..30 range; a first order's empty value stays empty), drawn
from numpy's PCG64 seeded with c. Products, aisles and departments are shared. The same
arguments always give the same bytes.

Usage: grow_dataset.py SRC_DIR OUT_DIR --copies N
  (the assembled sample has about 143k prior lines: 226 copies give about 32.4M, Kaggle's size)
"""
import argparse
import os
import shutil

import numpy as np
import polars as pl


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("src")
    args.add_argument("out")
    args.add_argument("--copies", type=int, required=True)
    opts = args.parse_args()
    if opts.copies < 1:
        raise SystemExit("--copies must be at least 1")
    os.makedirs(opts.out, exist_ok=True)

    orders = pl.read_csv(os.path.join(opts.src, "orders.csv"))
    user_step = int(orders["user_id"].max()) + 1
    order_step = int(orders["order_id"].max()) + 1
    line_files = [name for name in ("order_products__prior.csv", "order_products__train.csv")
                  if os.path.exists(os.path.join(opts.src, name))]
    lines = {name: pl.read_csv(os.path.join(opts.src, name)) for name in line_files}

    days = orders["days_since_prior_order"].cast(pl.Float64)
    order_parts = []
    line_parts = {name: [] for name in line_files}
    for copy in range(opts.copies):
        if copy == 0:
            jittered = days
        else:
            rng = np.random.Generator(np.random.PCG64(copy))
            jitter = rng.integers(-2, 3, size=orders.height).astype(np.float64)
            jittered = (days + pl.Series(jitter)).clip(0.0, 30.0)
        order_parts.append(orders.with_columns(
            pl.col("order_id") + copy * order_step,
            pl.col("user_id") + copy * user_step,
            jittered.alias("days_since_prior_order"),
        ))
        for name in line_files:
            line_parts[name].append(lines[name].with_columns(pl.col("order_id") + copy * order_step))

    pl.concat(order_parts).write_csv(os.path.join(opts.out, "orders.csv"))
    for name in line_files:
        pl.concat(line_parts[name]).write_csv(os.path.join(opts.out, name))
    for name in ("products.csv", "departments.csv", "aisles.csv"):
        if os.path.exists(os.path.join(opts.src, name)):
            shutil.copyfile(os.path.join(opts.src, name), os.path.join(opts.out, name))
    total = sum(part.height for parts in line_parts.values() for part in parts)
    print(f"{opts.copies} copies: {orders.height * opts.copies} orders, {total} order lines -> {opts.out}")


if __name__ == "__main__":
    main()
