#!/usr/bin/env python3
"""Peer for `npm run bench`: the evaluation a team would write instead of upkeep.

Usage: evaluation_peer.py WINDOW.parquet MODEL.onnx SPEC_JSON REPEATS
SPEC_JSON: {"inputs": [{"name", "type": "float"|"string", "columns": [...]}], "label", "positive"}.
pyarrow reads the columns, onnxruntime scores (one run over the whole window), scikit-learn
computes the metrics upkeep reports for a binary model. Prints one JSON object: seconds per
repeat (reading the file included) and the metrics of the last repeat.
"""
import json
import sys
import time

import numpy as np
import onnxruntime
import pyarrow
import pyarrow.parquet as pq
import sklearn
import sklearn.metrics as skm


def evaluate(path: str, session: onnxruntime.InferenceSession, spec: dict) -> dict:
    label = spec["label"]
    columns = [c for i in spec["inputs"] for c in i["columns"]] + [label]
    table = pq.read_table(path, columns=columns)
    feeds = {}
    for i in spec["inputs"]:
        if i["type"] == "string":
            feeds[i["name"]] = table.column(i["columns"][0]).to_numpy(zero_copy_only=False).astype(object).reshape(-1, 1)
        else:
            feeds[i["name"]] = np.column_stack([table.column(c).to_numpy() for c in i["columns"]]).astype(np.float32)
    y = table.column(label).to_numpy()
    names = [o.name for o in session.get_outputs()]
    predicted, proba = session.run(names[:2], feeds)
    pos = spec["positive"]
    score = proba[:, 1].astype(np.float64)
    return {
        "accuracy": skm.accuracy_score(y, predicted),
        "balanced_accuracy": skm.balanced_accuracy_score(y, predicted),
        "precision": skm.precision_score(y, predicted, pos_label=pos),
        "recall": skm.recall_score(y, predicted, pos_label=pos),
        "f1": skm.f1_score(y, predicted, pos_label=pos),
        "roc_auc": skm.roc_auc_score(y == pos, score),
        "average_precision": skm.average_precision_score(y, score, pos_label=pos),
        "log_loss": skm.log_loss(y, proba, labels=[0, 1]),
        "brier": skm.brier_score_loss(y, score, pos_label=pos),
    }


def main() -> None:
    path, model, spec, repeats = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
    times = []
    metrics = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
        metrics = evaluate(path, session, spec)
        times.append(time.perf_counter() - t0)
    print(json.dumps({
        "times": times,
        "metrics": metrics,
        "versions": {"pyarrow": pyarrow.__version__, "onnxruntime": onnxruntime.__version__, "sklearn": sklearn.__version__},
    }))


if __name__ == "__main__":
    main()
