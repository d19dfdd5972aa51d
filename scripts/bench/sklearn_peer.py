#!/usr/bin/env python3
"""Peer for `npm run bench`: scikit-learn's fit of the model the builtin trainer makes.

Usage: sklearn_peer.py TRAIN.parquet COLUMN[,COLUMN...] LABEL REPEATS
Reads with pyarrow (the evaluation peer's packages, scripts/bench/requirements-peer.txt).
StandardScaler + LogisticRegression(C=1, lbfgs) -- the same objective as the builtin trainer with
l2 = 1 -- on the same file. Prints one JSON object: fit seconds per repeat (reading the file
excluded) and the training ROC AUC.
"""
import json
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def main() -> None:
    path, cols, label, repeats = sys.argv[1], sys.argv[2].split(","), sys.argv[3], int(sys.argv[4])
    table = pq.read_table(path, columns=[*cols, label])
    x = np.column_stack([table.column(c).to_numpy() for c in cols])
    y = table.column(label).to_numpy()
    times = []
    model = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000)).fit(x, y)
        times.append(time.perf_counter() - t0)
    auc = roc_auc_score(y, model.predict_proba(x)[:, 1])
    print(json.dumps({"times": times, "auc": auc, "sklearn": sklearn.__version__}))


if __name__ == "__main__":
    main()
