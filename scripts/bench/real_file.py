#!/usr/bin/env python3
"""The bench's whole-process window, written as a team's pipeline writes it: pyarrow's defaults.

Usage: real_file.py OUT.parquet ROWS SEED
A churn feed of ROWS rows: an id, three categorical (string) columns, three numeric columns (two
float64, one int64) and an int64 0/1 label drawn from the same model as scripts/bench/real-data.ts
(so the bench's real3.onnx scores it as well). Written by pyarrow.parquet.write_table with its
defaults, as pandas' DataFrame.to_parquet does: SNAPPY, dictionary pages, row groups of at most
1,048,576 rows, 1 MiB data pages. Columns the model does not read are skipped by the reader.
"""
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

PLANS = ["basic", "standard", "premium", "family", "student", "business"]
PLAN_SHARE = [0.3, 0.25, 0.15, 0.15, 0.1, 0.05]
PLAN_EFFECT = np.array([0.6, 0.1, -0.5, -0.3, 0.9, -0.8])
REGIONS = ["north", "south", "east", "west", "central", "islands", "metro", "rural"]
CONTRACTS = ["month-to-month", "one year", "two year"]


def main(out: str, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    plan = rng.choice(len(PLANS), size=rows, p=PLAN_SHARE)
    tenure = np.round(rng.random(rows) * 72 * 10) / 10
    charges = np.round((20 + rng.random(rows) * 100) * 100) / 100
    calls = np.floor(-np.log(1 - rng.random(rows)) * 1.5).astype(np.int64)
    logit = -0.4 - 0.04 * tenure + 0.012 * charges + 0.35 * calls + PLAN_EFFECT[plan]
    churned = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    table = pa.table(
        {
            "customer_id": np.arange(10_000_000, 10_000_000 + rows, dtype=np.int64),
            "region": pa.array(np.array(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), rows)], pa.string()),
            "plan": pa.array(np.array(PLANS, dtype=object)[plan], pa.string()),
            "contract": pa.array(np.array(CONTRACTS, dtype=object)[rng.integers(0, len(CONTRACTS), rows)], pa.string()),
            "tenure_months": tenure,
            "monthly_charges": charges,
            "support_calls": calls,
            "churned": churned,
        }
    )
    tmp = f"{out}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, out)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
