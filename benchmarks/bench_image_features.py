"""Benchmark: PatchKMeansFeatures vs raw pixels (offline training).

On scikit-learn's bundled 8x8 digits (stratified 70/30 split, seed 0):

* raw pixels + ``LogisticRegression(max_iter=2000)``
* ``PatchKMeansFeatures`` + ``StandardScaler`` + ``LogisticRegression``
* the same features + ``skcl.linear_model.ContinualSGDClassifier`` (``fit``)

and the same on MNIST-format 28x28 digits with ``--mnist PATH`` (a folder
holding ``images-idx3-ubyte.gz`` and ``labels-idx1-ubyte.gz``). Reports test
accuracies and feature throughput (images/s of ``transform``). Nothing is
downloaded.

Usage::

    python benchmarks/bench_image_features.py [--mnist /path/to/mnist-dev]
"""

import argparse
import json
import os
import platform
import time

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

from skcl.datasets import load_digits_images, load_mnist
from skcl.image import PatchKMeansFeatures
from skcl.linear_model import ContinualSGDClassifier

RESULTS = os.path.join(os.path.dirname(__file__), "results", "image_features.json")


def run(name, X, y, image_shape, seed=0):
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    rows = {"dataset": name, "n_train": len(Xtr), "n_test": len(Xte)}

    t = time.perf_counter()
    raw = LogisticRegression(max_iter=2000).fit(Xtr, ytr)
    rows["raw_lr_fit_s"] = time.perf_counter() - t
    rows["raw_lr_acc"] = raw.score(Xte, yte)

    feats = PatchKMeansFeatures(image_shape=image_shape, random_state=seed)
    t = time.perf_counter()
    feats.fit(Xtr)
    rows["extractor_fit_s"] = time.perf_counter() - t
    t = time.perf_counter()
    Ftr = feats.transform(Xtr)
    Fte = feats.transform(Xte)
    elapsed = time.perf_counter() - t
    rows["transform_images_per_s"] = (len(Xtr) + len(Xte)) / elapsed
    rows["n_features_out"] = Ftr.shape[1]
    rows["patch_shape"] = list(feats.patch_shape_)
    rows["n_clusters"] = feats.n_clusters

    scaler = StandardScaler().fit(Ftr)
    Str, Ste = scaler.transform(Ftr), scaler.transform(Fte)
    t = time.perf_counter()
    lr = LogisticRegression(max_iter=2000).fit(Str, ytr)
    rows["patch_lr_fit_s"] = time.perf_counter() - t
    rows["patch_lr_acc"] = lr.score(Ste, yte)

    try:
        t = time.perf_counter()
        clf = ContinualSGDClassifier(random_state=seed).fit(Str, ytr)
        rows["patch_csgd_fit_s"] = time.perf_counter() - t
        rows["patch_csgd_acc"] = clf.score(Ste, yte)
    except Exception as exc:  # report, do not hide, a broken classifier
        rows["patch_csgd_error"] = f"{type(exc).__name__}: {exc}"
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", help="folder with MNIST-format IDX files")
    args = parser.parse_args(argv)

    results = []
    digits = load_digits_images()
    results.append(run("digits-8x8", digits.data, digits.target, (8, 8)))
    if args.mnist:
        m = load_mnist(
            os.path.join(args.mnist, "images-idx3-ubyte.gz"),
            os.path.join(args.mnist, "labels-idx1-ubyte.gz"),
        )
        results.append(run("mnist-28x28", m.data, m.target, m.image_shape))

    header = (
        f"{'dataset':<12} {'raw LR':>7} {'patch+LR':>9} {'patch+CSGD':>11} "
        f"{'feat':>6} {'fit s':>6} {'img/s':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        csgd = r.get("patch_csgd_acc")
        csgd = f"{csgd:.4f}" if csgd is not None else "n/a"
        print(
            f"{r['dataset']:<12} {r['raw_lr_acc']:>7.4f} {r['patch_lr_acc']:>9.4f} "
            f"{csgd:>11} {r['n_features_out']:>6} {r['extractor_fit_s']:>6.1f} "
            f"{r['transform_images_per_s']:>8.0f}"
        )
        if "patch_csgd_error" in r:
            print(f"  ContinualSGDClassifier failed: {r['patch_csgd_error']}")

    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    payload = {
        "results": results,
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "threadpools": [
                {k: p.get(k) for k in ("user_api", "internal_api", "num_threads")}
                for p in threadpool_info()
            ],
        },
    }
    with open(RESULTS, "w") as fh:
        json.dump(payload, fh, indent=2, default=float)
    print(f"wrote {RESULTS}")
    return results


if __name__ == "__main__":
    main()
