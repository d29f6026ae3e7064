"""Continual-learning strategies on Split-Digits and Split-MNIST (issue 5).

Class-incremental streams of five tasks ({0,1}, {2,3}, {4,5}, {6,7}, {8,9})
from a fixed stratified 70/30 split (``random_state=0``); the seed of a run
drives the estimator and the shuffling, never the split. Each streaming
strategy is trained task by task with :func:`skcl.evaluation.evaluate_stream`
(``n_epochs`` passes over each task, ``end_task`` at every task boundary) and
scored on every task seen so far after each task. "Joint" strategies are the
upper bound: one ``fit`` on all training data at once, on the same features.

Datasets (``--datasets``):

* ``digits``: scikit-learn's bundled 8x8 digits, pixels / 16 (64 features).
* ``mnist``: the MNIST-format folder given with ``--mnist`` (e.g. mnist-dev),
  pixels / 255 (784 features).
* ``mnist-patch``: the same MNIST images through
  ``skcl.image.PatchKMeansFeatures`` (default parameters,
  ``random_state=0``) fitted ONLY on the first task's training images
  (unlabeled: a "pretrained, then frozen" extractor), then frozen and applied
  to every image, then a ``StandardScaler`` fitted on the first task's
  training features, also frozen (512 features).
* ``digits-patch``: the same recipe on the 8x8 digits.

All skcl runs are timed under ``threadpoolctl.threadpool_limits(1)`` (one
BLAS thread; on a shared machine threads thrash on these small matrices).

Usage::

    python benchmarks/bench_continual.py                  # Split-Digits (+patch)
    python benchmarks/bench_continual.py --mnist /work/shared/data/mnist-dev
    python benchmarks/bench_continual.py --mnist PATH --datasets mnist-patch \\
        --strategies skcl-CBReplay200-default-5ep streaming-LDA --seeds 2
    python benchmarks/bench_continual.py --quick          # smoke test (seconds)

Prints, per dataset, the mean accuracy matrix of every strategy and a metrics
table (final average accuracy, forgetting, backward transfer, average
incremental accuracy, seconds per stream, memory held), the StreamingLDA vs
batch LDA equality check (three task orders), and the Avalanche reference
numbers quoted in issue 5. Writes ``benchmarks/results/continual.json``.

To add a strategy, add an entry to ``STRATEGIES``: a name ->
:class:`Strategy` with a factory ``seed -> estimator``.
"""

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from skcl.datasets import load_digits_images, load_mnist
from skcl.discriminant_analysis import StreamingLDAClassifier
from skcl.evaluation import _compute_metrics, evaluate_stream
from skcl.image import PatchKMeansFeatures
from skcl.linear_model import ContinualSGDClassifier
from skcl.mitigation import (
    ClassBalancedReplay,
    DistillationPenalty,
    EWCPenalty,
    GaussianReplay,
    ReservoirReplay,
)
from skcl.neighbors import NearestClassMeanClassifier
from skcl.scenarios import TaskStream

TASKS = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]
METRICS = {  # metric -> column title
    "average_accuracy": "avg accuracy",
    "average_forgetting": "forgetting",
    "backward_transfer": "BWT",
    "average_incremental_accuracy": "avg incr. acc",
}
REPLAY_BUDGET = 200  # 20 exemplars per class x 10 classes

# Numbers quoted in issue 5 (NOT measured by this script).
REFERENCE = {
    "source": "issue 5 (Avalanche 0.6.0, linear softmax head, 25 epochs/task; "
              "'measured here' rows from the issue's own reference script)",
    "Split-Digits": {
        "sklearn SGDClassifier + 20 random exemplars/class (issue)": (0.893, 0.113),
        "nearest class mean (issue)": (0.903, None),
        "streaming LDA (issue)": (0.959, None),
        "joint (issue)": (0.970, None),
        "Avalanche Replay, 200 slots": (0.906, None),
        "Avalanche iCaRL": (0.934, None),
        "Avalanche GDumb": (0.907, None),
        "Avalanche EWC": (0.233, None),
        "Avalanche LwF": (0.217, None),
        "Avalanche StreamingLDA": (0.960, None),
    },
    "Split-MNIST-patch": {
        "Avalanche Replay, 200 slots": (0.897, None),
        "Avalanche iCaRL": (0.901, None),
        "Avalanche StreamingLDA (9.5 s/stream)": (0.977, None),
    },
}


# --------------------------------------------------------------------------
# a scikit-learn baseline with a replay memory
# --------------------------------------------------------------------------
class SGDReplayClassifier(ClassifierMixin, BaseEstimator):
    """sklearn ``SGDClassifier(loss="log_loss")`` + random exemplars per class.

    The baseline of issue 5 ("SGDClassifier + 20 random exemplars per
    class"). Every ``partial_fit`` call fits the SGD model on the new batch
    concatenated with the whole memory (the exemplars of the tasks already
    finished). At ``end_task(X, y)`` (called by ``evaluate_stream`` at each
    task boundary), ``per_class`` rows of every class of the task are drawn
    uniformly at random without replacement and stored. Memory:
    ``per_class * n_classes`` rows (200 for 10 classes).
    """

    def __init__(self, per_class=20, random_state=None):
        self.per_class = per_class
        self.random_state = random_state

    def partial_fit(self, X, y, classes=None):
        X, y = np.asarray(X), np.asarray(y)
        if not hasattr(self, "sgd_"):
            self.sgd_ = SGDClassifier(loss="log_loss", random_state=self.random_state)
            self.memory_X_ = X[:0].copy()
            self.memory_y_ = y[:0].copy()
            self._rng = check_random_state(self.random_state)
        Xb = np.concatenate([X, self.memory_X_])
        yb = np.concatenate([y, self.memory_y_])
        self.sgd_.partial_fit(Xb, yb, classes=classes)
        self.classes_ = self.sgd_.classes_
        return self

    def end_task(self, X, y):
        X, y = np.asarray(X), np.asarray(y)
        keep = []
        for c in np.unique(y):
            rows = np.flatnonzero(y == c)
            if c in self.memory_y_:
                continue
            keep.append(self._rng.choice(rows, min(self.per_class, rows.size),
                                         replace=False))
        if keep:
            keep = np.concatenate(keep)
            self.memory_X_ = np.concatenate([self.memory_X_, X[keep]])
            self.memory_y_ = np.concatenate([self.memory_y_, y[keep]])
        return self

    def predict(self, X):
        return self.sgd_.predict(X)


# --------------------------------------------------------------------------
# strategies: name -> Strategy(factory(seed) -> estimator, ...)
# --------------------------------------------------------------------------
@dataclass
class Strategy:
    """How to build and train one method.

    factory : callable seed -> estimator.
    joint : fit once on all tasks' training data (upper bound) instead of
        streaming the tasks.
    cumulative : at every task, fit from scratch on the training data of
        all tasks so far (retraining with every old row kept): a full
        accuracy matrix, hence the forgetting that even joint training shows
        when classes are added (the old tasks get harder as classes join).
    n_epochs : passed to evaluate_stream (a whole task per ``partial_fit``
        call; the skcl classifier mini-batches internally with its own
        ``batch_size``).
    note : shown in the docs.
    quick : part of the ``--quick`` selection.
    """

    factory: callable
    joint: bool = False
    cumulative: bool = False
    n_epochs: int = 5
    note: str = ""
    quick: bool = False


def _csgd(seed, **params):
    return ContinualSGDClassifier(random_state=seed, **params)


def _cb(**params):
    return ClassBalancedReplay(max_size=REPLAY_BUDGET, **params)


# The best configuration found by the search of issue 5 (docs/mitigation.md):
# per-class covariances in the Gaussian pseudo-replay (regularised
# discriminant analysis), 8-row mini-batches topped up 4:1, 30 epochs/task.
# One configuration for every dataset.
BEST_BATCH = 8


STRATEGIES = {
    # ---- naive ---------------------------------------------------------
    "skcl-ContinualSGD-naive": Strategy(
        lambda s: _csgd(s), n_epochs=5, quick=True,
        note="ContinualSGDClassifier() defaults, partial_fit, 5 epochs/task, "
             "no mitigation",
    ),
    "sklearn-SGD-naive": Strategy(
        lambda s: SGDClassifier(loss="log_loss", random_state=s), n_epochs=5,
        note="sklearn SGDClassifier(loss='log_loss'), partial_fit, 5 epochs/task",
    ),
    # ---- sklearn baseline with replay -----------------------------------
    "sklearn-SGD-replay20pc": Strategy(
        lambda s: SGDReplayClassifier(per_class=20, random_state=s), n_epochs=5,
        note="SGDClassifier partial_fit on (task batch + memory), memory = 20 "
             "random exemplars per class of each finished task (200 rows)",
    ),
    # ---- replay ---------------------------------------------------------
    "skcl-CBReplay200-default-5ep": Strategy(
        lambda s: _csgd(s, replay=_cb()), n_epochs=5, quick=True,
        note="ContinualSGDClassifier(replay=ClassBalancedReplay(max_size=200)) "
             "and nothing else (herding, replay_ratio=4), 5 epochs/task",
    ),
    "skcl-CBReplay200-default-30ep": Strategy(
        lambda s: _csgd(s, replay=_cb()), n_epochs=30,
        note="same, 30 epochs/task",
    ),
    "skcl-CBReplay200-random": Strategy(
        lambda s: _csgd(s, replay=_cb(selection="random")), n_epochs=5,
        note="ClassBalancedReplay(200, selection='random'), 5 epochs/task",
    ),
    "skcl-ReservoirReplay200": Strategy(
        lambda s: _csgd(s, replay=ReservoirReplay(max_size=REPLAY_BUDGET)),
        n_epochs=5,
        note="ReservoirReplay(max_size=200) (uniform over the stream), "
             "5 epochs/task",
    ),
    "skcl-GaussianReplay-default": Strategy(
        lambda s: _csgd(s, replay=GaussianReplay()), n_epochs=5,
        note="GaussianReplay() defaults: NO exemplars; stores class means + "
             "one shared covariance and replays samples drawn from them; "
             "5 epochs/task",
    ),
    # ---- regularisation -------------------------------------------------
    "skcl-EWC": Strategy(
        lambda s: _csgd(s, consolidation=EWCPenalty()), n_epochs=5,
        note="EWCPenalty() defaults (online, lambda 100), no replay; weak in "
             "class-incremental learning (as in the literature)",
    ),
    "skcl-LwF": Strategy(
        lambda s: _csgd(s, consolidation=DistillationPenalty()), n_epochs=5,
        note="DistillationPenalty() defaults (LwF), no replay; weak in "
             "class-incremental learning (as in the literature)",
    ),
    # ---- new-class initialisation / bias correction ----------------------
    "skcl-CBReplay200-init-lda": Strategy(
        lambda s: _csgd(s, replay=_cb(), new_class_init="lda"), n_epochs=5,
        note="default replay + new_class_init='lda' (keeps a streaming LDA), "
             "5 epochs/task",
    ),
    "skcl-CBReplay200-init-mean-wa": Strategy(
        lambda s: _csgd(s, replay=_cb(), new_class_init="mean",
                        bias_correction="weight_aligning"), n_epochs=5,
        note="default replay + new_class_init='mean' + weight aligning, "
             "5 epochs/task",
    ),
    "skcl-GaussianReplay-classcov": Strategy(
        lambda s: _csgd(s, replay=GaussianReplay(class_covariance=0.5)),
        n_epochs=5,
        note="GaussianReplay(class_covariance=0.5): NO exemplars; class means, "
             "the pooled covariance and one covariance per class; noise of "
             "covariance 0.5 pooled + 0.5 own class; 5 epochs/task",
    ),
    # ---- best found by the search of issue 5 ------------------------------
    "skcl-best-RDA-30ep": Strategy(
        lambda s: _csgd(s, batch_size=BEST_BATCH, replay=GaussianReplay(
            class_covariance=0.8, replay_ratio=4)),
        n_epochs=30, quick=True,
        note="batch_size=8, GaussianReplay(class_covariance=0.8, "
             "replay_ratio=4) (no exemplars), 30 epochs/task",
    ),
    "skcl-best-herding-30ep": Strategy(
        lambda s: _csgd(s, batch_size=BEST_BATCH, replay=_cb()),
        n_epochs=30,
        note="batch_size=8, ClassBalancedReplay(200) defaults (herding, "
             "replay_ratio=4), 30 epochs/task: the same recipe with exemplars",
    ),
    # ---- classifiers that do not forget ----------------------------------
    "streaming-LDA": Strategy(
        lambda s: StreamingLDAClassifier(), n_epochs=1, quick=True,
        note="StreamingLDAClassifier() (shrinkage 1e-4), one pass per task",
    ),
    "nearest-class-mean": Strategy(
        lambda s: NearestClassMeanClassifier(), n_epochs=1,
        note="NearestClassMeanClassifier(), one pass per task",
    ),
    # ---- upper bounds -----------------------------------------------------
    "joint-LogisticRegression": Strategy(
        lambda s: LogisticRegression(max_iter=2000), joint=True, quick=True,
        note="upper bound: sklearn LogisticRegression(max_iter=2000), all "
             "training data at once",
    ),
    "joint-ContinualSGD": Strategy(
        lambda s: _csgd(s), joint=True,
        note="upper bound: ContinualSGDClassifier().fit on all training data "
             "(defaults: up to 1000 epochs, tol 1e-3)",
    ),
    "retrain-every-task": Strategy(
        lambda s: _csgd(s), cumulative=True,
        note="ContinualSGDClassifier().fit from scratch on the training data "
             "of all tasks so far, after every task: joint training at every "
             "step, so its forgetting is what adding classes costs anyway",
    ),
}


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def load_mnist_folder(path):
    """``images-idx3-ubyte.gz`` and ``labels-idx1-ubyte.gz`` of ``path``."""
    path = Path(path)
    bunch = load_mnist(path / "images-idx3-ubyte.gz", path / "labels-idx1-ubyte.gz")
    return np.asarray(bunch.data, dtype=np.float64), bunch.target, bunch.image_shape


def split_indices(y):
    """Fixed stratified 70/30 split (seed 0): train and test row indices."""
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=0.3, stratify=y, random_state=0)
    return tr, te


def make_stream(X, y, tr, te):
    """One task per class pair; returns ``(stream, (X_train, y_train))``."""
    X_tr, y_tr, X_te, y_te = X[tr], y[tr], X[te], y[te]
    parts = [[], [], [], []]
    for classes in TASKS:
        m_tr, m_te = np.isin(y_tr, classes), np.isin(y_te, classes)
        for lst, arr in zip(parts, (X_tr[m_tr], y_tr[m_tr], X_te[m_te], y_te[m_te])):
            lst.append(arr)
    stream = TaskStream.from_arrays(*parts, scenario="class-incremental")
    return stream, (X_tr, y_tr)


def patch_features(X, y, image_shape):
    """Frozen patch k-means features fitted on the first task's train images.

    ``PatchKMeansFeatures`` (defaults, ``random_state=0``) is fitted on the
    training images of task {0, 1} only (without labels), then applied to
    every image; a ``StandardScaler`` is fitted on the first task's training
    features. Both stay frozen for the rest of the stream.
    """
    tr, te = split_indices(y)
    first = tr[np.isin(y[tr], TASKS[0])]
    t0 = time.perf_counter()
    extractor = PatchKMeansFeatures(image_shape=image_shape, random_state=0)
    extractor.fit(X[first])
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    F = extractor.transform(X)
    t_transform = time.perf_counter() - t0
    scaler = StandardScaler().fit(F[first])
    F = scaler.transform(F).astype(np.float64)
    info = {
        "extractor": repr(extractor),
        "fitted_on": f"{first.size} training images of task {TASKS[0]} (unlabeled)",
        "scaler": "StandardScaler fitted on the same first-task features",
        "extractor_fit_s": t_fit,
        "transform_s": t_transform,
        "transform_images_per_s": len(X) / t_transform,
        "n_features": int(F.shape[1]),
    }
    stream, train = make_stream(F, y, tr, te)
    return stream, train, info


DATASETS = {  # name -> (json key, needs --mnist)
    "digits": ("Split-Digits", False),
    "mnist": ("Split-MNIST", True),
    "mnist-patch": ("Split-MNIST-patch", True),
    "digits-patch": ("Split-Digits-patch", False),
}


def load_dataset(name, mnist_path):
    if name in ("digits", "digits-patch"):
        X, y = load_digits_images(return_X_y=True)
        shape = (8, 8)
    else:
        X, y, shape = load_mnist_folder(mnist_path)
    if name.endswith("-patch"):
        return patch_features(X, y, shape)
    stream, train = make_stream(X, y, *split_indices(y))
    return stream, train, {"n_features": int(X.shape[1]), "features": "pixels"}


# --------------------------------------------------------------------------
# memory held by a fitted strategy
# --------------------------------------------------------------------------
def memory_held(est, n_train_rows=None, n_features=None):
    """``(stored_rows, extra_floats, description)`` beyond the model weights.

    Stored rows are raw training rows kept for replay; extra floats count
    every other per-stream state a method keeps besides its ``coef_`` /
    ``intercept_`` (class statistics, Fisher, old model...).
    """
    rows, floats, what = 0, 0, []
    if est is None:  # joint: every training row
        return n_train_rows, n_train_rows * n_features, "all training data"
    name = type(est).__name__
    if name == "SGDReplayClassifier":
        rows = len(est.memory_y_)
        return rows, rows * est.memory_X_.shape[1], "random exemplars"
    if name == "StreamingLDAClassifier":
        K, d = est.means_.shape
        return 0, K * d + d * d + K, "class means + shared covariance"
    if name == "NearestClassMeanClassifier":
        K, d = est.centroids_.shape
        return 0, K * d + K, "class means"
    replay = getattr(est, "replay_", None)
    if replay is not None:
        if hasattr(replay, "X_"):
            rows = replay.X_.shape[0]
            floats += rows * replay.X_.shape[1]
            what.append(f"{type(replay).__name__} rows")
            sums = getattr(replay, "class_sums_", None)
            if sums is not None:
                floats += sums.size
                what.append("class sums (herding)")
        elif hasattr(replay, "means_"):
            floats += replay.means_.size + replay.covariance_.size
            what.append("class means + shared covariance")
            if replay.class_covariance > 0:
                floats += replay.class_covariances_.size
                what.append("one covariance per class")
            # the noise banks are kept between calls (and pickled) too
            banks = [replay._bank, *replay._class_banks.values()]
            floats += sum(b.noise.size for b in banks if b is not None)
            what.append("noise banks")
    cons = getattr(est, "consolidation_", None)
    if cons is not None:
        n = sum(np.size(v) for k, v in vars(cons).items()
                if k.endswith("_") and isinstance(v, np.ndarray))
        floats += n
        what.append(f"{type(cons).__name__} state")
    lda = getattr(est, "lda_", None)
    if lda is not None:
        floats += lda.means_.size + lda.covariance_.size
        what.append("streaming LDA statistics")
    return rows, floats, ", ".join(what) or "model only"


def unique_rows(est):
    """Distinct rows in a replay buffer (multi-epoch partial_fit may store a
    row twice, since every epoch offers the same rows again)."""
    replay = getattr(est, "replay_", None)
    X = getattr(replay, "X_", None)
    if X is None:
        return None
    return int(np.unique(np.asarray(X), axis=0).shape[0])


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
    rows, floats, what = memory_held(None, train[0].shape[0], train[0].shape[1])
    return {
        "accuracy_matrix": A,
        "metrics": {"average_accuracy": float(row.mean())},
        "fit_time": fit_time,
        "score_time": score_time,
        "memory": (rows, floats, what),
        "unique_rows": None,
    }


def run_cumulative(strategy, seed, stream):
    """Fit from scratch on all tasks so far after every task (a full
    accuracy matrix for joint training)."""
    T = len(stream)
    A = np.full((T, T), np.nan)
    fit_time = score_time = 0.0
    for i in range(T):
        X = np.concatenate([stream[k].X_train for k in range(i + 1)])
        y = np.concatenate([stream[k].y_train for k in range(i + 1)])
        est = strategy.factory(seed)
        t0 = time.perf_counter()
        est.fit(X, y)
        fit_time += time.perf_counter() - t0
        t0 = time.perf_counter()
        A[i, : i + 1] = [est.score(stream[j].X_test, stream[j].y_test)
                         for j in range(i + 1)]
        score_time += time.perf_counter() - t0
    rows, floats, what = memory_held(None, X.shape[0], X.shape[1])
    return {
        "accuracy_matrix": A,
        "metrics": _compute_metrics(A, None),  # as evaluate_stream does
        "fit_time": fit_time,
        "score_time": score_time,
        "memory": (rows, floats, what),
        "unique_rows": None,
    }


def run_stream(strategy, seed, stream):
    result = evaluate_stream(
        strategy.factory(seed),
        stream,
        n_epochs=strategy.n_epochs,
        random_state=seed,
    )
    return {
        "accuracy_matrix": result.accuracy_matrix,
        "metrics": result.metrics,
        "fit_time": float(result.fit_times.sum()),
        "score_time": float(result.score_times.sum()),
        "memory": memory_held(result.estimator),
        "unique_rows": unique_rows(result.estimator),
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


def run_strategy(name, stream, train, seeds):
    strategy = STRATEGIES[name]
    runs = []
    for seed in seeds:
        if strategy.joint:
            runs.append(run_joint(strategy, seed, stream, train))
        elif strategy.cumulative:
            runs.append(run_cumulative(strategy, seed, stream))
        else:
            runs.append(run_stream(strategy, seed, stream))
    keys = list(runs[0]["metrics"])
    vals = {k: np.array([r["metrics"][k] for r in runs]) for k in keys}
    mean_A = np.mean([r["accuracy_matrix"] for r in runs], axis=0)
    rows, floats, what = runs[0]["memory"]
    return {
        "note": strategy.note,
        "joint": strategy.joint,
        "n_epochs": None if strategy.joint else strategy.n_epochs,
        "seeds": list(seeds),
        "metrics_mean": {k: float(v.mean()) for k, v in vals.items()},
        "metrics_std": {k: float(v.std()) for k, v in vals.items()},
        "fit_time_mean": float(np.mean([r["fit_time"] for r in runs])),
        "score_time_mean": float(np.mean([r["score_time"] for r in runs])),
        "memory_rows": int(rows),
        "memory_floats": int(floats),
        "memory_what": what,
        "replay_unique_rows": runs[0]["unique_rows"],
        "mean_accuracy_matrix": [
            [None if not np.isfinite(v) else float(v) for v in row]
            for row in mean_A
        ],
        "per_seed_metrics": [r["metrics"] for r in runs],
        "per_seed_fit_time": [r["fit_time"] for r in runs],
    }


def benchmark(dataset, stream, train, names, seeds, limits):
    out = {}
    print(f"\n=== {dataset}: {len(stream)} tasks, "
          f"{sum(t.n_train for t in stream)} train / "
          f"{sum(t.n_test for t in stream)} test, {stream.n_features} features, "
          f"{len(seeds)} seeds ===", flush=True)
    for name in names:
        strategy = STRATEGIES[name]
        run_seeds = seeds
        t0 = time.perf_counter()
        with limits():
            out[name] = res = run_strategy(name, stream, train, run_seeds)
        wall = time.perf_counter() - t0
        print(f"\n[{name}] ({strategy.note}) mean accuracy matrix over "
              f"{len(run_seeds)} seeds (row: after task i; column: task j), "
              f"{wall:.1f} s wall:")
        row_names = list(stream.task_names)
        if strategy.joint:
            row_names[-1] = "joint (final)"
        print(format_matrix(np.array(res["mean_accuracy_matrix"], dtype=float),
                            row_names), flush=True)
    print(f"\n{dataset}: metrics, mean +- std over {len(seeds)} seeds")
    print(markdown_table(out))
    return out


def _fmt(res, m):
    if m not in res["metrics_mean"]:
        return "-"
    return f"{res['metrics_mean'][m]:.3f} ± {res['metrics_std'][m]:.3f}"


def markdown_table(results):
    head = ["strategy", *METRICS.values(), "s / stream", "stored rows",
            "extra floats", "seeds"]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for name, res in results.items():
        rows = res["memory_rows"]
        if res.get("replay_unique_rows") is not None and \
                res["replay_unique_rows"] != rows:
            rows = f"{rows} ({res['replay_unique_rows']} distinct)"
        cells = [name, *(_fmt(res, m) for m in METRICS),
                 f"{res['fit_time_mean']:.2f}", str(rows),
                 f"{res['memory_floats']:,}", str(len(res["seeds"]))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def reference_table(dataset):
    ref = REFERENCE.get(dataset)
    if not ref:
        return None
    lines = ["| reference (from issue 5, not measured here) | avg accuracy | "
             "forgetting |", "|---|---:|---:|"]
    for name, (acc, forg) in ref.items():
        lines.append(f"| {name} | {acc:.3f} | {'-' if forg is None else forg} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# StreamingLDA == batch LDA, whatever the task order
# --------------------------------------------------------------------------
def lda_equality(stream, train, chunk=64):
    """Max abs differences between a streamed StreamingLDAClassifier (three
    task orders, ``chunk`` rows per ``partial_fit``) and one ``fit`` on all
    the training data; plus the same with ``priors="empirical",
    shrinkage_target="scaled_identity"`` against scikit-learn's
    ``LinearDiscriminantAnalysis(solver="lsqr", shrinkage=1e-4)``."""
    X_test = np.concatenate([t.X_test for t in stream])
    T = len(stream)
    orders = {
        "natural": list(range(T)),
        "reversed": list(range(T))[::-1],
        "shuffled(seed 0)": list(np.random.RandomState(0).permutation(T)),
    }
    out = {}
    for label, kw in [
        ("default (identity target, uniform priors) vs StreamingLDA.fit", {}),
        ("empirical priors, scaled identity vs sklearn LDA(lsqr)",
         dict(priors="empirical", shrinkage_target="scaled_identity")),
    ]:
        if kw:
            ref = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=1e-4)
        else:
            ref = StreamingLDAClassifier()
        ref.fit(*train)
        P_ref, W_ref = ref.predict_proba(X_test), np.atleast_2d(ref.coef_)
        scale = float(np.abs(W_ref).max())
        rows = {}
        for oname, order in orders.items():
            est = StreamingLDAClassifier(**kw)
            rng = np.random.RandomState(1)
            for i in order:
                task = stream[int(i)]
                perm = rng.permutation(task.n_train)
                for s in range(0, task.n_train, chunk):
                    b = perm[s : s + chunk]
                    est.partial_fit(task.X_train[b], task.y_train[b])
            rows[oname] = {
                "max_abs_diff_predict_proba": float(
                    np.abs(est.predict_proba(X_test) - P_ref).max()),
                "max_abs_diff_coef": float(np.abs(est.coef_ - W_ref).max()),
                "max_rel_diff_coef": float(np.abs(est.coef_ - W_ref).max() / scale),
                "same_predictions": bool(np.all(
                    est.predict(X_test) == ref.predict(X_test))),
            }
        out[label] = {"max_abs_coef": scale, "orders": rows}
    return out


def print_lda_equality(res):
    lines = ["| comparison | task order | max abs diff predict_proba | "
             "max abs diff coef_ | max rel diff coef_ | same predictions |",
             "|---|---|---:|---:|---:|---|"]
    for label, r in res.items():
        for oname, v in r["orders"].items():
            lines.append(
                f"| {label} | {oname} | {v['max_abs_diff_predict_proba']:.1e} | "
                f"{v['max_abs_diff_coef']:.1e} | {v['max_rel_diff_coef']:.1e} | "
                f"{v['same_predictions']} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# verdicts
# --------------------------------------------------------------------------
def verdict(results, lda):
    """Target 1: some streaming ContinualSGDClassifier configuration within 1
    point of joint training on the same features (the best joint model) with
    average forgetting <= 0.03. Target 2: StreamingLDA == batch LDA to 1e-6."""
    csgd = {n: r["metrics_mean"] for n, r in results.items()
            if n.startswith("skcl-") and not r["joint"]}
    joint = {n: r["metrics_mean"]["average_accuracy"] for n, r in results.items()
             if r["joint"]}
    out = {}
    if csgd and joint:
        j_name = max(joint, key=joint.get)
        j = joint[j_name]
        best = max(csgd, key=lambda n: csgd[n]["average_accuracy"])
        low = [n for n in csgd if csgd[n]["average_forgetting"] <= 0.03]
        best_low = max(low, key=lambda n: csgd[n]["average_accuracy"]) if low else None
        met = [n for n in low if csgd[n]["average_accuracy"] >= j - 0.01]
        out["sgd"] = {
            "joint": j_name,
            "joint_accuracy": j,
            "best": best,
            "best_accuracy": csgd[best]["average_accuracy"],
            "best_forgetting": csgd[best]["average_forgetting"],
            "gap_points": 100 * (j - csgd[best]["average_accuracy"]),
            "best_with_forgetting_le_0.03": best_low,
            "best_with_forgetting_le_0.03_accuracy": (
                None if best_low is None else csgd[best_low]["average_accuracy"]),
            "configurations_meeting_target": met,
            "met": bool(met),
        }
        retrain = results.get("retrain-every-task")
        if retrain is not None:
            out["sgd"]["retrain_every_task_forgetting"] = (
                retrain["metrics_mean"]["average_forgetting"])
    if lda:
        worst = max(v["max_abs_diff_predict_proba"]
                    for r in lda.values() for v in r["orders"].values())
        worst_coef = max(v["max_abs_diff_coef"]
                         for r in lda.values() for v in r["orders"].values())
        out["lda"] = {"max_abs_diff_predict_proba": worst,
                      "max_abs_diff_coef": worst_coef,
                      "met_proba": bool(worst <= 1e-6),
                      "met_coef": bool(worst_coef <= 1e-6)}
    return out


def print_verdict(v):
    if "sgd" in v:
        s = v["sgd"]
        low = s["best_with_forgetting_le_0.03"]
        low = "none" if low is None else (
            f"{low} {s['best_with_forgetting_le_0.03_accuracy']:.3f}")
        print(f"target 1: best ContinualSGD = {s['best']} "
              f"{s['best_accuracy']:.3f} (forgetting {s['best_forgetting']:.3f}) vs "
              f"{s['joint']} {s['joint_accuracy']:.3f}: gap "
              f"{s['gap_points']:.1f} points; best with forgetting <= 0.03: {low}"
              f" -> {'MET' if s['met'] else 'NOT MET'}")
        if "retrain_every_task_forgetting" in s:
            print("          (retraining from scratch on everything after every "
                  "task forgets "
                  f"{s['retrain_every_task_forgetting']:.3f})")
    if "lda" in v:
        s = v["lda"]
        print(f"target 2: StreamingLDA vs batch: max |dproba| "
              f"{s['max_abs_diff_predict_proba']:.1e}, max |dcoef| "
              f"{s['max_abs_diff_coef']:.1e} -> proba "
              f"{'MET' if s['met_proba'] else 'NOT MET'}, coef "
              f"{'MET' if s['met_coef'] else 'NOT MET'}")


# --------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", help="folder with images-idx3-ubyte.gz and "
                        "labels-idx1-ubyte.gz (Split-MNIST); MNIST datasets are "
                        "skipped without it")
    parser.add_argument("--datasets", nargs="*", choices=list(DATASETS),
                        default=None, help="default: digits and digits-patch, "
                        "plus mnist and mnist-patch when --mnist is given")
    parser.add_argument("--seeds", type=int, default=None,
                        help="number of seeds (default 5; 2 with --quick)")
    parser.add_argument("--strategies", nargs="*", default=None,
                        choices=list(STRATEGIES), help="default: all")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: a few strategies, 2 seeds")
    parser.add_argument("--no-lda-check", action="store_true",
                        help="skip the StreamingLDA == batch LDA check")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (threadpoolctl), for stable timings")
    parser.add_argument("--output", default=str(
        Path(__file__).resolve().parent / "results" / "continual.json"))
    args = parser.parse_args(argv)
    n_seeds = args.seeds if args.seeds is not None else (2 if args.quick else 5)
    seeds = list(range(n_seeds))
    names = args.strategies
    if names is None:
        names = [n for n, s in STRATEGIES.items() if s.quick or not args.quick]
    datasets = args.datasets
    if datasets is None:
        datasets = ["digits", "digits-patch"] + (
            ["mnist-patch", "mnist"] if args.mnist else [])
    for d in datasets:
        if DATASETS[d][1] and not args.mnist:
            parser.error(f"dataset {d!r} needs --mnist PATH")

    try:
        from threadpoolctl import threadpool_limits

        def limits():
            return threadpool_limits(limits=args.threads)
    except ImportError:  # pragma: no cover
        import contextlib

        print("threadpoolctl not installed: BLAS threads not limited")
        limits = contextlib.nullcontext

    import sklearn

    import skcl

    report = {
        "benchmark": "continual",
        "command": "python benchmarks/bench_continual.py " + " ".join(
            sys.argv[1:] if argv is None else argv),
        "config": {
            "tasks": [list(t) for t in TASKS],
            "split": "stratified 70/30, random_state=0",
            "seeds": seeds,
            "threads": args.threads,
            "mnist": args.mnist,
            "replay_budget_rows": REPLAY_BUDGET,
        },
        "versions": {
            "skcl": skcl.__version__,
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "reference_not_measured": REFERENCE,
        "datasets": {},
        "results": {},
        "lda_equality": {},
        "verdict": {},
    }
    t_start = time.perf_counter()
    for d in datasets:
        key = DATASETS[d][0]
        with limits():
            stream, train, info = load_dataset(d, args.mnist)
        report["datasets"][key] = info
        if "extractor_fit_s" in info:
            print(f"\n{key}: {info['extractor']} fitted on {info['fitted_on']} in "
                  f"{info['extractor_fit_s']:.2f} s; transform "
                  f"{info['transform_images_per_s']:.0f} images/s (1 thread)")
        res = benchmark(key, stream, train, names, seeds, limits)
        report["results"][key] = res
        lda = None
        if not args.no_lda_check:
            with limits():
                lda = lda_equality(stream, train)
            report["lda_equality"][key] = lda
            print(f"\n{key}: StreamingLDA streamed (3 task orders, 64-row "
                  "batches) vs one fit on all training data")
            print(print_lda_equality(lda))
        ref = reference_table(key)
        if ref:
            print(f"\n{key}: reference numbers\n{ref}")
        v = verdict(res, lda)
        report["verdict"][key] = v
        print()
        print_verdict(v)
    report["total_wall_s"] = time.perf_counter() - t_start
    print(f"\ntotal wall time {report['total_wall_s']:.0f} s")

    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as fh:
        json.dump(report, fh, indent=2)
    print(f"wrote {args.output}")
    return report


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
