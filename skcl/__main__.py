"""Command line: ``python -m skcl demo`` (the main job) and ``skcl --help``."""

import argparse
import sys
import time

import numpy as np

from . import __version__


def _print_matrix(A, names):
    width = max(9, max(len(n) for n in names) + 2)
    print(" " * width + "".join(f"{n:>{width}}" for n in names))
    for i, row in enumerate(A):
        cells = "".join(
            f"{'':>{width}}" if np.isnan(v) else f"{v:>{width}.3f}" for v in row
        )
        print(f"{'after ' + str(i + 1):<{width}}" + cells)


def demo(args):
    """Class-incremental digits, task by task, with the accuracy matrix."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from .linear_model import ContinualSGDClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=args.seed
    )
    tasks = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]
    names = [f"{a},{b}" for a, b in tasks]
    clf = ContinualSGDClassifier(random_state=args.seed)
    A = np.full((len(tasks), len(tasks)), np.nan)
    t0 = time.perf_counter()
    for i, task in enumerate(tasks):
        mask = np.isin(y_tr, task)
        for _ in range(args.epochs):
            clf.partial_fit(X_tr[mask], y_tr[mask])
        for j in range(i + 1):
            test = np.isin(y_te, tasks[j])
            A[i, j] = clf.score(X_te[test], y_te[test])
        print(f"[task {i + 1}/{len(tasks)}] classes {names[i]}: accuracy on tasks "
              f"seen so far {np.nanmean(A[i, : i + 1]):.3f}", flush=True)
    print("\nAccuracy matrix (row: after learning task i; column: test task j)")
    _print_matrix(A, names)
    final = A[-1].mean()
    forgetting = np.mean([np.nanmax(A[:-1, j]) - A[-1, j] for j in range(len(tasks) - 1)])
    print(f"\nfinal average accuracy {final:.3f}, average forgetting "
          f"{forgetting:.3f} ({time.perf_counter() - t0:.1f} s)")
    return 0


def main(argv=None):
    """Entry point of ``python -m skcl`` and the ``skcl`` console script."""
    parser = argparse.ArgumentParser(
        prog="skcl", description="Continual learning for scikit-learn."
    )
    parser.add_argument("--version", action="version", version=f"skcl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="class-incremental stream on the bundled digits")
    p.add_argument("--epochs", type=int, default=5, help="passes over each task")
    p.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return demo(args)


if __name__ == "__main__":
    sys.exit(main())
