#!/usr/bin/env python3
"""Peer for `npm run bench -- --peer`: Evidently's data drift preset on the same Parquet files.

Usage: evidently_peer.py REFERENCE.parquet CURRENT.parquet COLUMN[,COLUMN...]
Prints one JSON object: wall and CPU seconds of the report (reading the files excluded), the
dataset verdict, and per column the test Evidently chose, its score and its decision.
"""
import json
import sys
import time
import warnings

import pandas as pd
import evidently
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset


def main() -> None:
    ref_path, cur_path, cols = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    ref = pd.read_parquet(ref_path, columns=cols)
    cur = pd.read_parquet(cur_path, columns=cols)
    dd = DataDefinition(numerical_columns=cols)
    report = Report([DataDriftPreset()], include_tests=True)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snap = report.run(
            current_data=Dataset.from_pandas(cur, data_definition=dd),
            reference_data=Dataset.from_pandas(ref, data_definition=dd),
        )
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    d = snap.dict()
    status = {t["metric_config"]["metric_id"]: t["status"] for t in d["tests"]}
    columns, dataset = {}, {}
    for m in d["metrics"]:
        cfg = m["config"]
        if cfg["type"] == "evidently:metric_v2:DriftedColumnsCount":
            dataset = {"share": float(m["value"]["share"]), "drifted": status[m["id"]] == "FAIL"}
        elif cfg["type"] == "evidently:metric_v2:ValueDrift":
            columns[cfg["column"]] = {"method": cfg["method"], "score": float(m["value"]), "drifted": status[m["id"]] == "FAIL"}
    print(json.dumps({"evidently": evidently.__version__, "wall": wall, "cpu": cpu, "dataset": dataset, "columns": columns}))


if __name__ == "__main__":
    main()
