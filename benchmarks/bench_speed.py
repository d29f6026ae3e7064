"""Speed benchmark of ContinualSGDClassifier.partial_fit (issue 2, "Speed").

Streams dense float32 samples (512 features, 100 classes) once through
``partial_fit`` in mini-batches of 256, side by side in one run with
scikit-learn's ``SGDClassifier(loss="log_loss")`` and, when installed, River's
``SoftmaxRegression`` and Vowpal Wabbit (``--oaa 100 --loss_function
logistic``). Reports, per row: learning and predicting throughput (samples/s),
accuracy after the first 5,120 samples and after the pass, peak memory of the
learning loop, the ratio of learning throughput to ``SGDClassifier``'s, and for
skcl the achieved GFLOP/s and its fraction of the single-thread float32 GEMM
peak measured in the same run.

Every timing is repeated (``--repeats``, default 3; rows interleaved) and the
best is kept, because the machine is shared and noisy.

Usage::

    python benchmarks/bench_speed.py                      # full run (a few minutes)
    python benchmarks/bench_speed.py --n-samples 20000    # quick run
    python benchmarks/bench_speed.py --threads 1          # headline table only

Writes benchmarks/results/speed.json (``--output``) and prints the tables.
This is a plain script, not collected by pytest.
"""

import argparse
import gc
import json
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from threadpoolctl import threadpool_info, threadpool_limits

N_FEATURES = 512
N_CLASSES = 100
EARLY = 5120  # accuracy is also reported after this many samples
FLOPS_PER_SAMPLE = 2 * 2 * N_FEATURES * N_CLASSES  # forward + gradient GEMMs


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------
def rss_bytes():
    """Current resident set size of this process (Linux), or NaN."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return float("nan")


def gemm_peak(n_threads, trials=5, seconds=0.2):
    """Best float32 GFLOP/s over a few matmul shapes (the current BLAS limits)."""
    rng = np.random.RandomState(0)
    shapes = [
        (256, 512, 100),  # forward: X_batch @ W.T
        (100, 256, 512),  # gradient: G.T @ X_batch
        (1024, 1024, 1024),
        (2048, 2048, 2048),
    ]
    out = {}
    for m, k, n in shapes:
        A = rng.rand(m, k).astype(np.float32)
        B = rng.rand(k, n).astype(np.float32)
        best = np.inf
        for _ in range(trials):
            t0 = time.perf_counter()
            reps = 0
            while time.perf_counter() - t0 < seconds:
                A @ B
                reps += 1
            best = min(best, (time.perf_counter() - t0) / reps)
        out[f"{m}x{k}@{k}x{n}"] = 2.0 * m * k * n / best / 1e9
    return {
        "n_threads": n_threads,
        "gflops_by_shape": out,
        "peak_gflops": max(out.values()),
    }


def _source_hash():
    """sha256 of skcl/linear_model/_sgd.py (the code measured), or None."""
    import hashlib

    import skcl.linear_model._sgd as mod

    try:
        return hashlib.sha256(Path(mod.__file__).read_bytes()).hexdigest()
    except OSError:
        return None


def batches(n, batch_size):
    return [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]


# ----------------------------------------------------------------------------
# runners: each returns a dict of measurements for one pass
# ----------------------------------------------------------------------------
def final_measurements(predict, y_test, n_learned, learn_time, acc_early):
    """Time ``predict()`` on the test set; the measurements of a pass."""
    t0 = time.perf_counter()
    pred = np.asarray(predict())
    predict_time = time.perf_counter() - t0
    return {
        "n_learned": n_learned,
        "learn_seconds": learn_time,
        "predict_seconds": predict_time,
        "n_predicted": len(y_test),
        "acc_early": acc_early,
        "acc_final": float(np.mean(pred == y_test)),
    }


def run_sklearn_like(make_model, X, y, X_test, y_test, batch_size, classes_first,
                     trace_memory=False):
    """One pass of partial_fit; scoring at EARLY samples is excluded from timing."""
    model = make_model()
    n = X.shape[0]
    learn_time = 0.0
    acc_early = None
    gc.collect()
    if trace_memory:
        tracemalloc.start()
    rss0 = rss_bytes()
    for start, stop in batches(n, batch_size):
        kw = {"classes": np.arange(N_CLASSES)} if classes_first and start == 0 else {}
        t0 = time.perf_counter()
        model.partial_fit(X[start:stop], y[start:stop], **kw)
        learn_time += time.perf_counter() - t0
        if start < EARLY <= stop and not trace_memory:
            acc_early = float(np.mean(model.predict(X_test) == y_test))
    rss1 = rss_bytes()
    if trace_memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"tracemalloc_peak_bytes": peak, "rss_growth_bytes": rss1 - rss0}
    return final_measurements(
        lambda: model.predict(X_test), y_test, n, learn_time, acc_early
    )


def run_numpy_reference(X, y, X_test, y_test, batch_size, trace_memory=False,
                        learning_rate=0.01, alpha=1e-4, eps=1e-7):
    """Plain vectorised softmax + AdaGrad loop (no validation): a ceiling."""
    n, d = X.shape
    W = np.zeros((N_CLASSES, d), dtype=np.float32)
    b = np.zeros(N_CLASSES, dtype=np.float32)
    GW = np.zeros_like(W)
    Gb = np.zeros_like(b)
    acc_early = None
    learn_time = 0.0

    def predict(Xp):
        return np.argmax(Xp @ W.T + b, axis=1)

    gc.collect()
    if trace_memory:
        tracemalloc.start()
    for start, stop in batches(n, batch_size):
        t0 = time.perf_counter()
        Xb, yb = X[start:stop], y[start:stop]
        m = stop - start
        Z = Xb @ W.T
        Z += b
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
        Z[np.arange(m), yb] -= 1.0
        Z *= np.float32(1.0 / m)
        gW = Z.T @ Xb
        gW += np.float32(alpha) * W
        gb = Z.sum(axis=0)
        for p, g, acc in ((W, gW, GW), (b, gb, Gb)):
            acc += g * g
            p -= np.float32(learning_rate) * g / (np.sqrt(acc) + np.float32(eps))
        learn_time += time.perf_counter() - t0
        if start < EARLY <= stop and not trace_memory:
            acc_early = float(np.mean(predict(X_test) == y_test))
    if trace_memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"tracemalloc_peak_bytes": peak}
    return final_measurements(
        lambda: predict(X_test), y_test, n, learn_time, acc_early
    )


def run_river(X, y, X_test, y_test, trace_memory=False):
    """River SoftmaxRegression, learn_one per sample on prebuilt dicts."""
    from river import linear_model

    rows = [dict(enumerate(r)) for r in X.tolist()]
    test_rows = [dict(enumerate(r)) for r in X_test.tolist()]
    labels = y.tolist()
    model = linear_model.SoftmaxRegression()
    gc.collect()
    if trace_memory:
        tracemalloc.start()
    learn_time = 0.0
    acc_early = None
    t0 = time.perf_counter()
    for i, (x, label) in enumerate(zip(rows, labels)):
        model.learn_one(x, label)
        if i + 1 == EARLY and not trace_memory and len(rows) > EARLY:
            learn_time += time.perf_counter() - t0
            pred = [model.predict_one(x) for x in test_rows]
            acc_early = float(np.mean(np.asarray(pred) == y_test))
            t0 = time.perf_counter()
    learn_time += time.perf_counter() - t0
    if trace_memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"tracemalloc_peak_bytes": peak}
    out = final_measurements(
        lambda: [model.predict_one(x) for x in test_rows], y_test, len(rows),
        learn_time, acc_early,
    )
    if len(rows) == EARLY:
        out["acc_early"] = out["acc_final"]
    return out


def vw_lines(X, y=None):
    """VW text format: 'label | 0:v0 1:v1 ...' (labels 1..K)."""
    out = []
    for i, row in enumerate(X.tolist()):
        feats = " ".join(f"{j}:{v:.7g}" for j, v in enumerate(row))
        out.append(f"{int(y[i]) + 1} | {feats}" if y is not None else f"| {feats}")
    return out


def run_vw(X, y, X_test, y_test, batch_size):
    """Vowpal Wabbit --oaa, one learn() per example on prebuilt text lines."""
    import vowpalwabbit

    t0 = time.perf_counter()
    lines = vw_lines(X, y)
    test_lines = vw_lines(X_test)
    format_seconds = time.perf_counter() - t0
    ws = vowpalwabbit.Workspace(
        f"--oaa {N_CLASSES} --loss_function logistic -b 24 --quiet"
    )

    def predict():
        return np.asarray([ws.predict(t) for t in test_lines]) - 1

    gc.collect()
    rss0 = rss_bytes()
    learn_time = 0.0
    acc_early = None
    for start, stop in batches(len(lines), batch_size):
        t0 = time.perf_counter()
        for line in lines[start:stop]:
            ws.learn(line)
        learn_time += time.perf_counter() - t0
        if start < EARLY <= stop:
            acc_early = float(np.mean(predict() == y_test))
    rss1 = rss_bytes()
    out = final_measurements(predict, y_test, len(lines), learn_time, acc_early)
    ws.finish()
    out.update(rss_growth_bytes=rss1 - rss0,
               text_format_seconds_excluded=format_seconds)
    return out


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------
def skcl_rows():
    """The brief's three skcl rows, each also with batch_size=256 (one step per call).

    Since the default ``batch_size`` became 32, a ``partial_fit`` call of 256
    samples takes 8 gradient steps; the ``bs=256`` rows take one.
    """
    from skcl.linear_model import ContinualSGDClassifier
    from skcl.optim import AdaGrad, Adam

    bs_default = ContinualSGDClassifier().batch_size
    rows = {}
    for label, make_opt in [
        ("ContinualSGDClassifier() defaults", lambda: None),
        ("AdaGrad(learning_rate=0.01)", lambda: AdaGrad(learning_rate=0.01)),
        ("Adam(learning_rate=0.002)", lambda: Adam(learning_rate=0.002)),
    ]:
        for bs in (bs_default, 256) if bs_default != 256 else (256,):
            rows[f"skcl {label}, batch_size={bs}"] = (
                lambda make_opt=make_opt, bs=bs: ContinualSGDClassifier(
                    optimizer=make_opt(), batch_size=bs, random_state=0
                )
            )
    return rows


SGD_NAME = 'sklearn SGDClassifier(loss="log_loss")'
REF_NAME = "numpy reference loop (AdaGrad 0.01, no validation)"


def summarise(best, peak_gflops, sgd_sps):
    sps = best["n_learned"] / best["learn_seconds"]
    best["learn_samples_per_s"] = sps
    best["predict_samples_per_s"] = best["n_predicted"] / best["predict_seconds"]
    if sgd_sps:
        best["ratio_to_sgdclassifier"] = sps / sgd_sps
    best["achieved_gflops"] = sps * FLOPS_PER_SAMPLE / 1e9
    best["fraction_of_gemm_peak"] = best["achieved_gflops"] / peak_gflops
    return best


def fmt_row(name, r, show_flops):
    def f(v, spec):
        return "-" if v is None else format(v, spec)

    mem = r.get("tracemalloc_peak_bytes")
    mem_s = f"{mem / 2**20:.1f} (tm)" if mem is not None else "(1-thread table)"
    if mem is None and r.get("rss_growth_bytes") is not None:
        mem_s = f"{r['rss_growth_bytes'] / 2**20:.1f} (rss)"
    return (
        f"| {name} | {r['n_learned']:,} | {r['learn_samples_per_s']:,.0f} | "
        f"{r['predict_samples_per_s']:,.0f} | {f(r['acc_early'], '.3f')} | "
        f"{r['acc_final']:.3f} | {mem_s} | "
        f"{f(r.get('ratio_to_sgdclassifier'), '.3g')}x | "
        + (
            f"{r['achieved_gflops']:.1f} | {100 * r['fraction_of_gemm_peak']:.0f}% |"
            if show_flops
            else "- | - |"
        )
    )


def print_table(block):
    print(
        f"\n### {block['n_threads']} BLAS thread(s): float32 GEMM peak "
        f"{block['gemm']['peak_gflops']:.1f} GFLOP/s (best of "
        f"{', '.join(block['gemm']['gflops_by_shape'])}); best of "
        f"{block['repeats']} repeats\n"
    )
    print(
        "| model | samples learned | learn samples/s | predict samples/s | "
        "acc @5,120 | acc after pass | peak mem MiB | learn vs SGDClassifier | "
        "GFLOP/s | % GEMM peak |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in block["rows"].items():
        if "error" in r:
            print(f"| {name} | {r['error']} | | | | | | | | |")
            continue
        print(fmt_row(name, r, show_flops=name.startswith(("skcl", "numpy"))))
    for note in block.get("notes", []):
        print(f"\n{note}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n-samples", type=int, default=100_000,
                   help="training samples streamed (default 100000)")
    p.add_argument("--n-test", type=int, default=20_000)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--river-samples", type=int, default=EARLY,
                   help="River streams only this many samples (pure Python, slow)")
    p.add_argument("--river-test", type=int, default=2_000,
                   help="River predicts only this many test rows")
    p.add_argument("--vw-samples", type=int, default=None,
                   help="Vowpal Wabbit streams this many samples (default: all)")
    p.add_argument("--slow-repeats", type=int, default=1,
                   help="repeats for River and VW (single-threaded, far slower)")
    p.add_argument("--no-river", action="store_true")
    p.add_argument("--no-vw", action="store_true")
    p.add_argument("--output", default=str(
        Path(__file__).resolve().parent / "results" / "speed.json"))
    args = p.parse_args(argv)

    t_start = time.perf_counter()
    n_total = args.n_samples + args.n_test
    X, y = make_classification(
        n_samples=n_total, n_features=N_FEATURES, n_informative=64,
        n_classes=N_CLASSES, n_clusters_per_class=1, class_sep=2.0, random_state=0,
    )
    X = X.astype(np.float32)
    X_train, y_train = X[: args.n_samples], y[: args.n_samples]
    X_test, y_test = X[args.n_samples :], y[args.n_samples :]
    print(f"data: {X_train.shape} train, {X_test.shape} test, float32 "
          f"({time.perf_counter() - t_start:.1f} s to generate)", flush=True)

    import sklearn

    meta = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "dataset": (
            f"make_classification(n_samples={n_total}, n_features=512, "
            "n_informative=64, n_classes=100, n_clusters_per_class=1, "
            "class_sep=2.0, random_state=0), float32; last "
            f"{args.n_test} rows for testing"
        ),
        "batch_size": args.batch_size,
        "repeats": args.repeats,
        "flops_per_sample": FLOPS_PER_SAMPLE,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "threadpool_info": threadpool_info(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "loadavg_start": os.getloadavg(),
        "skcl_sgd_source_sha256": _source_hash(),
        "memory_method": (
            "tracemalloc peak of the learning loop, measured in a separate "
            "untimed pass (tm); Vowpal Wabbit allocates in C++, which "
            "tracemalloc cannot see: RSS growth over the learning loop (rss)"
        ),
    }
    for mod in ("river", "vowpalwabbit"):
        try:
            meta[mod] = __import__(mod).__version__
        except Exception as exc:  # noqa: BLE001 - report any import failure
            meta[mod] = f"not available: {exc!r}"

    makers = {
        **skcl_rows(),
        SGD_NAME: lambda: SGDClassifier(loss="log_loss", random_state=0),
    }
    classes_first = {name: name == SGD_NAME for name in makers}
    blocks = []
    for i_block, n_threads in enumerate(args.threads):
        with threadpool_limits(limits=n_threads):
            gemm = gemm_peak(n_threads)
            print(f"[{n_threads} thread(s)] GEMM peak {gemm['peak_gflops']:.1f} "
                  "GFLOP/s", flush=True)
            results = {name: [] for name in [*makers, REF_NAME]}
            for rep in range(args.repeats):  # interleave rows: noise is shared
                for name, make in makers.items():
                    results[name].append(run_sklearn_like(
                        make, X_train, y_train, X_test, y_test, args.batch_size,
                        classes_first[name]))
                    r = results[name][-1]
                    print(f"  rep {rep} {name}: "
                          f"{r['n_learned'] / r['learn_seconds']:,.0f} samples/s, "
                          f"acc {r['acc_final']:.3f}", flush=True)
                results[REF_NAME].append(run_numpy_reference(
                    X_train, y_train, X_test, y_test, args.batch_size))
            rows = {}
            for name, runs in results.items():
                best = dict(min(runs, key=lambda r: r["learn_seconds"]))
                best["predict_seconds"] = min(r["predict_seconds"] for r in runs)
                best["learn_samples_per_s_all_repeats"] = [
                    r["n_learned"] / r["learn_seconds"] for r in runs]
                rows[name] = best
            notes = [
                "skcl rows: classes discovered on the fly (no `classes=`); "
                "SGDClassifier: `classes=` on the first call. Accuracy at 5,120 "
                "samples is scored outside the timed region."
            ]
            if i_block == 0:  # memory: one untimed tracemalloc pass per row
                for name, make in makers.items():
                    rows[name].update(run_sklearn_like(
                        make, X_train, y_train, X_test, y_test, args.batch_size,
                        classes_first[name], trace_memory=True))
                rows[REF_NAME].update(run_numpy_reference(
                    X_train, y_train, X_test, y_test, args.batch_size,
                    trace_memory=True))
                print("  memory passes done", flush=True)
                slow = slow_rows(args, X_train, y_train, X_test, y_test, notes)
                rows.update(slow)
            else:
                notes.append(
                    "River and Vowpal Wabbit do not use BLAS threads: measured in "
                    "the 1-thread table only. Peak memory: see the first table.")
            sgd_sps = rows[SGD_NAME]["n_learned"] / rows[SGD_NAME]["learn_seconds"]
            for name, r in rows.items():
                if "error" not in r:
                    summarise(r, gemm["peak_gflops"], sgd_sps)
            block = {"n_threads": n_threads, "gemm": gemm, "repeats": args.repeats,
                     "rows": rows, "notes": notes}
            blocks.append(block)
            print_table(block)

    meta["loadavg_end"] = os.getloadavg()
    meta["total_seconds"] = time.perf_counter() - t_start
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "tables": blocks}, indent=2,
                              default=str))
    print(f"\nOPENBLAS_CORETYPE={meta['OPENBLAS_CORETYPE']}; BLAS: "
          + ", ".join(f"{i.get('internal_api')} {i.get('version')} "
                      f"({i.get('architecture')})" for i in meta["threadpool_info"]
                      if i.get("user_api") == "blas"))
    print(f"load average start {meta['loadavg_start']}, end {meta['loadavg_end']}; "
          f"total {meta['total_seconds']:.0f} s; wrote {out}")


def slow_rows(args, X_train, y_train, X_test, y_test, notes):
    """River and Vowpal Wabbit rows (subsets where documented)."""
    rows = {}
    if not args.no_river:
        name = "River SoftmaxRegression (learn_one)"
        try:
            import river  # noqa: F401

            n = min(args.river_samples, X_train.shape[0])
            nt = min(args.river_test, X_test.shape[0])
            runs = [run_river(X_train[:n], y_train[:n], X_test[:nt], y_test[:nt])
                    for _ in range(args.slow_repeats)]
            best = dict(min(runs, key=lambda r: r["learn_seconds"]))
            n_mem = min(n, 512)
            best.update(run_river(X_train[:n_mem], y_train[:n_mem], X_test[:1],
                                  y_test[:1], trace_memory=True))
            rows[name] = best
            notes.append(
                f"River: pure Python, about 10^3-10^4 times slower, so it streams "
                f"only the first {n:,} samples (accuracy @5,120 = after its pass) "
                f"and predicts {nt:,} test rows; best of {args.slow_repeats} "
                "repeat(s); dicts built outside the timed region; memory from a "
                f"tracemalloc pass over the first {n_mem:,} samples.")
            print(f"  {name} done", flush=True)
        except ImportError as exc:
            rows[name] = {"error": f"not installed ({exc}); `pip install river`"}
    if not args.no_vw:
        name = "Vowpal Wabbit --oaa 100 --loss_function logistic"
        try:
            import vowpalwabbit  # noqa: F401

            n = X_train.shape[0] if args.vw_samples is None else args.vw_samples
            runs = [run_vw(X_train[:n], y_train[:n], X_test, y_test,
                           args.batch_size) for _ in range(args.slow_repeats)]
            best = dict(min(runs, key=lambda r: r["learn_seconds"]))
            rows[name] = best
            notes.append(
                f"Vowpal Wabbit 9 (pip), one `learn()` per example on text lines "
                f"built outside the timed region (building them took "
                f"{best['text_format_seconds_excluded']:.0f} s more); streams "
                f"{n:,} samples; best of {args.slow_repeats} repeat(s); memory "
                "is RSS growth (C++ heap).")
            print(f"  {name} done", flush=True)
        except ImportError as exc:
            rows[name] = {"error": f"not installed ({exc}); `pip install vowpalwabbit`"}
    return rows


if __name__ == "__main__":
    main()
