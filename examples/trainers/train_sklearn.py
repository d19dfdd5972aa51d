#!/usr/bin/env python3
"""Example upkeep command trainer: scikit-learn in, ONNX out.

Usage (the command in upkeep.yaml; upkeep fills in the three placeholders):

    python3 examples/trainers/train_sklearn.py --train {train_data} --output {output} --params {params}

Install its dependencies with ``pip install -r examples/trainers/requirements.txt``.

--train   a directory holding the training files and ``manifest.json``:

    {"files": [{"path": "2024-05-01.csv", "format": "csv", "date": "2024-05-01", "rows": 1200}]}

    ``path`` is a file name inside the directory; ``format`` is ``csv``, ``jsonl`` or ``parquet``
    (parquet needs pyarrow); ``rows`` is the row count upkeep read (checked, only a warning).

--params  a JSON file describing the task and the user's parameters:

    {
      "modelId": "churn",
      "task": "binary",                      # or "multiclass" or "regression"
      "inputs": [{"name": "input", "type": "float", "columns": ["a", "b"]}],
      "label": {"column": "churned", "positive": 1},   # positive: binary only
      "categorical": [],
      "params": {"C": 1.0, "max_iter": 1000}  # the model's params from upkeep.yaml
    }

--output  where to write the ONNX model.

What it trains. Exactly one input of type float is supported (its columns, in order, form the
feature matrix) and no categorical columns. Classification fits
Pipeline(StandardScaler, LogisticRegression); regression fits Ridge. ``params`` go to the
LogisticRegression or Ridge constructor unchanged (random_state defaults to 0, so a run is
deterministic). Rows with a missing feature or label are dropped.

What it writes. Input ``<input name>`` float32 [N, n_columns]. Classifiers are exported without
ZipMap, so the outputs are ``label`` [N] and ``probabilities`` float32 [N, n_classes]; regression
outputs ``variable`` float32 [N, 1]. Opsets: ai.onnx 17 and ai.onnx.ml at most 3 (skl2onnx
declares the lowest ai.onnx.ml version its nodes need).

Any problem ends the script with exit code 1 and a message on stderr saying what to fix.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

try:
    import numpy as np
    import pandas as pd
    from skl2onnx import convert_sklearn, get_latest_tested_opset_version
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
except ImportError as missing:
    sys.exit(f"train_sklearn.py: {missing}; install the trainer's dependencies with "
             "pip install -r examples/trainers/requirements.txt")

TASKS = ("binary", "multiclass", "regression")
FORMATS = ("csv", "jsonl", "parquet")
TARGET_OPSET = 17
TARGET_ML_OPSET = 3


def fail(message: str) -> NoReturn:
    sys.exit(f"train_sklearn.py: {message}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Train a scikit-learn model for upkeep and export it to ONNX.")
    p.add_argument("--train", required=True, type=Path, help="directory with manifest.json and the training files")
    p.add_argument("--output", required=True, type=Path, help="path of the ONNX model to write")
    p.add_argument("--params", required=True, type=Path, help="JSON file with the task and parameters")
    return p.parse_args(argv)


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------

def read_json(path: Path, what: str) -> dict:
    try:
        with path.open(encoding="utf-8") as f:
            value = json.load(f)
    except FileNotFoundError:
        fail(f"{what} {path} does not exist")
    except json.JSONDecodeError as e:
        fail(f"{what} {path} is not valid JSON: {e}")
    if not isinstance(value, dict):
        fail(f"{what} {path} must hold a JSON object")
    return value


def check_spec(spec: dict) -> tuple[str, str, list[str], dict]:
    """Returns (task, input name, feature columns, label spec) or exits saying what is unsupported."""
    task = spec.get("task")
    if task not in TASKS:
        fail(f"params: task must be one of {', '.join(TASKS)}, got {task!r}")
    inputs = spec.get("inputs") or []
    if len(inputs) != 1 or inputs[0].get("type", "float") != "float":
        described = ", ".join(f"{i.get('name')} ({i.get('type', 'float')})" for i in inputs) or "none"
        fail(f"this trainer supports exactly one input of type float, got {described}; "
             "use a single float input or write your own trainer")
    if spec.get("categorical"):
        fail(f"this trainer does not encode categorical columns ({', '.join(spec['categorical'])}); "
             "remove them from the model or write your own trainer")
    columns = inputs[0].get("columns") or []
    if not columns:
        fail(f"params: input {inputs[0].get('name')!r} lists no columns")
    label = spec.get("label") or {}
    if not label.get("column"):
        fail("params: label.column is missing")
    if task == "binary" and label.get("positive") is None:
        fail("params: a binary model needs label.positive")
    return task, inputs[0].get("name", "input"), list(columns), label


def read_file(path: Path, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path)
    if fmt == "jsonl":
        return pd.read_json(path, lines=True)
    try:
        return pd.read_parquet(path)
    except ImportError:
        fail(f"reading {path.name} needs pyarrow: pip install pyarrow")


def read_training_data(train_dir: Path) -> pd.DataFrame:
    manifest = read_json(train_dir / "manifest.json", "manifest")
    files = manifest.get("files") or []
    if not files:
        fail(f"{train_dir / 'manifest.json'} lists no files: there is nothing to train on")
    frames = []
    for entry in files:
        fmt = entry.get("format")
        if fmt not in FORMATS:
            fail(f"manifest: {entry.get('path')} has format {fmt!r}; supported: {', '.join(FORMATS)}")
        path = train_dir / entry["path"]
        if not path.is_file():
            fail(f"manifest lists {entry['path']} but {path} does not exist")
        frame = read_file(path, fmt)
        expected = entry.get("rows")
        note = "" if expected is None or expected == len(frame) else f" (manifest says {expected})"
        print(f"read {len(frame)} rows from {entry['path']}{note}", flush=True)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------
# features and labels
# ---------------------------------------------------------------------------

def normalise_labels(y: pd.Series) -> np.ndarray:
    """Integral floats and booleans become int64 (ONNX classifiers take int64 or string classes)."""
    values = y.to_numpy()
    if values.dtype == bool:
        return values.astype(np.int64)
    if np.issubdtype(values.dtype, np.floating) and np.all(np.mod(values, 1) == 0):
        return values.astype(np.int64)
    if values.dtype == object:
        return values.astype(str)
    return values


def same_label(a, b) -> bool:
    if isinstance(b, bool):
        b = int(b)
    return str(a) == str(b)


def show(values) -> str:
    return ", ".join(map(str, values))


def build_xy(data: pd.DataFrame, task: str, columns: list[str], label: dict) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in columns + [label["column"]] if c not in data.columns]
    if missing:
        fail(f"the training data has no column {', '.join(missing)} (it has: {', '.join(map(str, data.columns))})")
    subset = data[columns + [label["column"]]]
    try:
        features = subset[columns].apply(pd.to_numeric, errors="raise")
    except (ValueError, TypeError) as e:
        fail(f"a feature column is not numeric: {e}")
    keep = features.notna().all(axis=1) & subset[label["column"]].notna()
    dropped = int((~keep).sum())
    if dropped:
        print(f"dropped {dropped} rows with a missing feature or label", flush=True)
    if not keep.any():
        fail("no rows left to train on after dropping rows with missing values")
    x = features[keep].to_numpy(dtype=np.float64)
    if task == "regression":
        try:
            y = pd.to_numeric(subset.loc[keep, label["column"]]).to_numpy(dtype=np.float64)
        except (ValueError, TypeError) as e:
            fail(f"a regression label must be numeric: {e}")
        return x, y
    y = normalise_labels(subset.loc[keep, label["column"]])
    classes = np.unique(y)
    if task == "binary":
        if len(classes) != 2:
            fail(f"a binary model needs exactly 2 label values in the training data, found {len(classes)}: {show(classes[:10])}")
        if not any(same_label(c, label["positive"]) for c in classes):
            fail(f"the positive label {label['positive']!r} does not occur in column {label['column']} (values: {show(classes)})")
    elif len(classes) < 2:
        fail(f"a classifier needs at least 2 label values in the training data, found {show(classes)}")
    return x, y


# ---------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------

def make_estimator(task: str, params: dict):
    """Returns (model to fit, the estimator that params configure)."""
    kwargs = {"random_state": 0, **params}
    try:
        if task == "regression":
            est = Ridge(**kwargs)
            return est, est
        est = LogisticRegression(**kwargs)
    except TypeError as e:
        cls = Ridge if task == "regression" else LogisticRegression
        fail(f"params: {e}; {cls.__name__} accepts: {', '.join(sorted(cls().get_params()))}")
    return Pipeline([("scale", StandardScaler()), ("clf", est)]), est


def fit(model, estimator, x: np.ndarray, y: np.ndarray):
    start = time.perf_counter()
    try:
        model.fit(x, y)
    except (ValueError, TypeError) as e:
        fail(f"fitting {type(estimator).__name__} failed: {e}; check the params in upkeep.yaml")
    print(f"fit {type(estimator).__name__} on {x.shape[0]} rows x {x.shape[1]} columns in {time.perf_counter() - start:.2f} s", flush=True)


def report(model, task: str, x: np.ndarray, y: np.ndarray) -> None:
    if task == "regression":
        pred = model.predict(x)
        rmse = float(np.sqrt(np.mean((pred - y) ** 2)))
        print(f"training R^2 {model.score(x, y):.4f}, RMSE {rmse:.4g}", flush=True)
    else:
        print(f"training accuracy {model.score(x, y):.4f} (classes: {show(model.classes_)})", flush=True)


def to_onnx(model, estimator, task: str, input_name: str, n_features: int, model_id: str):
    opset = min(TARGET_OPSET, get_latest_tested_opset_version())
    options = None if task == "regression" else {id(estimator): {"zipmap": False}}
    proto = convert_sklearn(
        model,
        initial_types=[(input_name, FloatTensorType([None, n_features]))],
        options=options,
        target_opset={"": opset, "ai.onnx.ml": TARGET_ML_OPSET},
    )
    proto.graph.name = model_id  # skl2onnx uses a random name; keep the bytes reproducible
    # skl2onnx may list a domain twice; keep one entry per domain (the highest version), sorted.
    versions: dict[str, int] = {}
    for op in proto.opset_import:
        versions[op.domain] = max(op.version, versions.get(op.domain, 0))
    del proto.opset_import[:]
    for domain in sorted(versions):
        proto.opset_import.add(domain=domain, version=versions[domain])
    return proto


def write_model(proto, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_bytes(proto.SerializeToString())
    os.replace(tmp, output)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    spec = read_json(args.params, "params file")
    task, input_name, columns, label = check_spec(spec)
    params = spec.get("params") or {}
    if not isinstance(params, dict):
        fail("params: 'params' must be an object of keyword arguments")
    model, estimator = make_estimator(task, params)

    data = read_training_data(args.train)
    x, y = build_xy(data, task, columns, label)
    fit(model, estimator, x, y)
    report(model, task, x, y)

    proto = to_onnx(model, estimator, task, input_name, len(columns), str(spec.get("modelId") or "model"))
    write_model(proto, args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)", flush=True)


if __name__ == "__main__":
    main()
