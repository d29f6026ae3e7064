"""Continual-learning baselines on Split-Digits and Split-MNIST.

Each strategy is trained task by task with :func:`skcl.evaluation.evaluate_stream`
(tasks {0,1}, {2,3}, {4,5}, {6,7}, {8,9}; a fixed stratified 70/30 split with
seed 0; pixels scaled to [0, 1]) over several seeds (the seed drives the
estimator and the shuffling, not the split). "Joint" strategies are the upper
bound: one ``fit`` on all training data at once, scored on every task.

Usage::

    python benchmarks/bench_continual.py                     # Split-Digits only
    python benchmarks/bench_continual.py --mnist /path/to/mnist-dev
    python benchmarks/bench_continual.py --strategies sklearn-SGD-naive --seeds 2

Prints the mean accuracy matrix and a metrics table per dataset and writes
``benchmarks/results/continual.json``. To add a strategy (replay, EWC, LDA),
add an entry to ``STRATEGIES``: a name -> :class:`Strategy` with a factory
``seed -> estimator``.
"""

import argparse
import gzip
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split

from skcl.evaluation import evaluate_stream
from skcl.scenarios import TaskStream

TASKS = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]
METRICS = {  # metric -> column title
    "average_accuracy": "avg accuracy",
    "average_incremental_accuracy": "avg incr. accuracy",
    "average_forgetting": "forgetting",
    "backward_transfer": "BWT",
}


# --------------------------------------------------------------------------
# strategies: name -> Strategy(factory(seed) -> estimator, ...)
# --------------------------------------------------------------------------
@dataclass
class Strategy:
    """How to build and train one method.

    factory : callable seed -> estimator (imports inside, so a strategy whose
        module is missing is skipped with a note instead of failing the run).
    joint : fit once on all tasks' training data (upper bound) instead of
        streaming the tasks.
    n_epochs, batch_size : passed to evaluate_stream.
    note : shown in the table.
    """

    factory: callable
    joint: bool = False
    n_epochs: int = 5
    batch_size: int = None
    note: str = ""


def _continual_sgd(seed):
    from skcl.linear_model import ContinualSGDClassifier

    return ContinualSGDClassifier(random_state=seed)


STRATEGIES = {
    "skcl-ContinualSGD-naive": Strategy(
        _continual_sgd, n_epochs=5, note="partial_fit, 5 epochs/task"
    ),
    "sklearn-SGD-naive": Strategy(
        lambda seed: SGDClassifier(loss="log_loss", random_state=seed),
        n_epochs=5,
        note="partial_fit, 5 epochs/task",
    ),
    "joint-LogisticRegression": Strategy(
        lambda seed: LogisticRegression(max_iter=2000),
        joint=True,
        note="upper bound, all data at once",
    ),
}


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def _read_idx_gz(path):
    """Minimal IDX reader (gzip), used when skcl.datasets is unavailable."""
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist_folder(path):
    path = Path(path)
    images, labels = path / "images-idx3-ubyte.gz", path / "labels-idx1-ubyte.gz"
    try:
        from skcl.datasets import load_mnist
    except ImportError:
        X = _read_idx_gz(images).reshape(-1, 28 * 28).astype(np.float64) / 255.0
        return X, _read_idx_gz(labels).astype(np.int64)
    bunch = load_mnist(images, labels)
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target)


def split_stream(X, y):
    """Fixed stratified 70/30 split (seed 0), then one task per class pair."""
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    parts = [[], [], [], []]
    for classes in TASKS:
        tr, te = np.isin(y_tr, classes), np.isin(y_te, classes)
        for lst, arr in zip(parts, (X_tr[tr], y_tr[tr], X_te[te], y_te[te])):
            lst.append(arr)
    stream = TaskStream.from_arrays(*parts, scenario="class-incremental")
    return stream, (X_tr, y_tr)


# --------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------
def run_joint(strategy, seed, stream, train):
    est = strategy.factory(seed)
    t0 = time.perf_counter()
    est.fit(*train)
    fit_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    row = np.array([est.score(task.X_test, task.y_test) for task in stream])
    score_time = time.perf_counter() - t0
    T = len(stream)
    A = np.full((T, T), np.nan)
    A[T - 1] = row  # only the final row exists for a joint model
    return {
        "accuracy_matrix": A,
        "metrics": {"average_accuracy": float(row.mean())},
        "fit_time": fit_time,
        "score_time": score_time,
    }


def run_stream(strategy, seed, stream):
    result = evaluate_stream(
        strategy.factory(seed),
        stream,
        n_epochs=strategy.n_epochs,
        batch_size=strategy.batch_size,
        random_state=seed,
    )
    return {
        "accuracy_matrix": result.accuracy_matrix,
        "metrics": result.metrics,
        "fit_time": float(result.fit_times.sum()),
        "score_time": float(result.score_times.sum()),
    }


def format_matrix(A, names):
    width = 7
    lines = [" " * 16 + "".join(f"{f't{j}':>{width}}" for j in range(A.shape[1]))]
    for name, row in zip(names, A):
        if np.all(np.isnan(row)):
            continue
        cells = "".join(
            f"{v:>{width}.3f}" if np.isfinite(v) else f"{'-':>{width}}" for v in row
        )
        lines.append(f"  {name:<14}{cells}")
    return "\n".join(lines)


def benchmark(dataset, stream, train, names, seeds):
    out = {}
    print(f"\n=== {dataset}: {len(stream)} tasks, "
          f"{sum(t.n_train for t in stream)} train / "
          f"{sum(t.n_test for t in stream)} test, {stream.n_features} features ===")
    for name in names:
        strategy = STRATEGIES[name]
        try:
            strategy.factory(0)
        except ImportError as exc:
            print(f"\n[{name}] skipped: {exc}")
            out[name] = {"skipped": str(exc)}
            continue
        runs = []
        for seed in seeds:
            if strategy.joint:
                runs.append(run_joint(strategy, seed, stream, train))
            else:
                runs.append(run_stream(strategy, seed, stream))
        keys = list(runs[0]["metrics"])
        vals = {k: np.array([r["metrics"][k] for r in runs]) for k in keys}
        mean_A = np.mean([r["accuracy_matrix"] for r in runs], axis=0)
        out[name] = {
            "note": strategy.note,
            "n_epochs": None if strategy.joint else strategy.n_epochs,
            "seeds": list(seeds),
            "metrics_mean": {k: float(v.mean()) for k, v in vals.items()},
            "metrics_std": {k: float(v.std()) for k, v in vals.items()},
            "fit_time_mean": float(np.mean([r["fit_time"] for r in runs])),
            "score_time_mean": float(np.mean([r["score_time"] for r in runs])),
            "mean_accuracy_matrix": [
                [None if not np.isfinite(v) else float(v) for v in row]
                for row in mean_A
            ],
            "per_seed_metrics": [r["metrics"] for r in runs],
        }
        print(f"\n[{name}] ({strategy.note}) mean accuracy matrix over "
              f"{len(seeds)} seeds (row: after task i; column: task j):")
        row_names = list(stream.task_names)
        if strategy.joint:
            row_names[-1] = "joint (final)"
        print(format_matrix(mean_A, row_names))

    header = f"{'strategy':<28}" + "".join(f"{t:>21}" for t in METRICS.values())
    print(f"\n{dataset}: metrics, mean +- std over seeds")
    print(header + f"{'fit s':>9}")
    for name, res in out.items():
        if "skipped" in res:
            print(f"{name:<28}  skipped")
            continue
        cells = ""
        for m in METRICS:
            if m in res["metrics_mean"]:
                cells += (f"{res['metrics_mean'][m]:>13.3f} +- "
                          f"{res['metrics_std'][m]:<5.3f}")
            else:
                cells += f"{'-':>21}"
        print(f"{name:<28}{cells}{res['fit_time_mean']:>9.2f}")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", help="folder with images-idx3-ubyte.gz and "
                        "labels-idx1-ubyte.gz (Split-MNIST); skipped if absent")
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds")
    parser.add_argument("--strategies", nargs="*", default=list(STRATEGIES),
                        choices=list(STRATEGIES))
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (threadpoolctl), for stable timings")
    parser.add_argument("--output", default=str(
        Path(__file__).resolve().parent / "results" / "continual.json"))
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds))

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        threadpool_limits = None
        print("threadpoolctl not installed: BLAS threads not limited")

    datasets = {}
    X, y = load_digits(return_X_y=True)
    datasets["Split-Digits"] = split_stream(X / 16.0, y)
    if args.mnist:
        X, y = load_mnist_folder(args.mnist)
        datasets["Split-MNIST"] = split_stream(X, y)

    import sklearn

    import skcl

    report = {
        "benchmark": "continual",
        "config": {
            "tasks": [list(t) for t in TASKS],
            "split": "stratified 70/30, random_state=0",
            "seeds": seeds,
            "threads": args.threads,
            "mnist": args.mnist,
        },
        "versions": {
            "skcl": skcl.__version__,
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "results": {},
    }
    for dataset, (stream, train) in datasets.items():
        if threadpool_limits is not None:
            with threadpool_limits(limits=args.threads):
                res = benchmark(dataset, stream, train, args.strategies, seeds)
        else:
            res = benchmark(dataset, stream, train, args.strategies, seeds)
        report["results"][dataset] = res

    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as fh:
        json.dump(report, fh, indent=2)
    print(f"\nwrote {args.output}")
    return report


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
