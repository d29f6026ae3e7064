"""Command line: ``python -m skcl demo`` (the main job).

The demo runs the continual loop on images: a class-incremental stream of
tasks (two new classes each) goes through ``RandomCrop -> PatchKMeansFeatures
-> StandardScaler -> ContinualSGDClassifier`` with ``partial_fit``; after each
task the model is evaluated on every task seen so far. It prints the accuracy
matrix, the final average accuracy and forgetting, and writes the accuracy
matrix as a PNG when matplotlib is installed.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__


def _load(data):
    """Return ``(X, y, image_shape, description)`` for the demo's data."""
    from .datasets import load_digits_images, load_image_folder, load_mnist

    if data is None:
        bunch = load_digits_images()
        return bunch.data, bunch.target, bunch.image_shape, "bundled 8x8 digits"
    path = Path(data)
    if not path.exists():
        raise SystemExit(f"skcl demo: {path} does not exist.")
    if path.is_dir():
        images = sorted(path.glob("*idx3-ubyte*"))
        labels = sorted(path.glob("*idx1-ubyte*"))
        if images and labels:
            bunch = load_mnist(images[0], labels[0])
            desc = f"MNIST-format files in {path}"
            return bunch.data, bunch.target, bunch.image_shape, desc
        bunch = load_image_folder(path, grayscale=True)
        desc = f"image folder {path} ({len(bunch.target_names)} classes)"
        return bunch.data, bunch.target, bunch.image_shape, desc
    raise SystemExit(
        f"skcl demo: --data must be a folder of MNIST-format files "
        f"(*idx3-ubyte*, *idx1-ubyte*) or of one subfolder per class; got {path}."
    )


def _task_sizes(n_classes, per_task):
    sizes = [per_task] * (n_classes // per_task)
    if n_classes % per_task:
        sizes.append(n_classes % per_task)
    return sizes


def build_pipeline(first_task_images, image_shape, n_classes, random_state=0):
    """The demo's model: crops, a pretrained frozen extractor, the classifier.

    The patch k-means dictionary and the feature scaling are learned once,
    without labels, on the first task's training images and then frozen, so
    the features do not drift under the classifier while the stream goes on.

    Parameters
    ----------
    first_task_images : ndarray of shape (n_samples, n_pixels)
        Training images of the first task (labels are not used).
    image_shape : tuple of int
        Shape of one image.
    n_classes : int
        Number of classes expected in the stream (sizes the replay memory:
        20 exemplars per class).
    random_state : int, default=0
        Seed of every random step.

    Returns
    -------
    pipeline : skcl.pipeline.Pipeline
        ``RandomCrop -> FrozenEstimator(PatchKMeansFeatures) ->
        FrozenEstimator(StandardScaler) -> ContinualSGDClassifier``.
    """
    from sklearn.frozen import FrozenEstimator
    from sklearn.preprocessing import StandardScaler

    from .image import PatchKMeansFeatures, RandomCrop
    from .linear_model import ContinualSGDClassifier
    from .mitigation import ClassBalancedReplay
    from .pipeline import make_pipeline

    extractor = PatchKMeansFeatures(image_shape=image_shape, random_state=random_state)
    features = extractor.fit_transform(first_task_images)
    scaler = StandardScaler().fit(features)
    return make_pipeline(
        RandomCrop(padding=1, image_shape=image_shape, random_state=random_state),
        FrozenEstimator(extractor),
        FrozenEstimator(scaler),
        ContinualSGDClassifier(
            replay=ClassBalancedReplay(max_size=20 * n_classes),
            random_state=random_state,
        ),
    )


def demo(args):
    """Run the class-incremental demo; returns the StreamResult."""
    from .evaluation import evaluate_stream
    from .scenarios import class_incremental_stream

    t0 = time.perf_counter()
    X, y, image_shape, desc = _load(args.data)
    classes = np.unique(y)
    sizes = _task_sizes(classes.size, args.classes_per_task)
    print(
        f"skcl {__version__} demo: {desc}: {X.shape[0]} images of shape "
        f"{tuple(image_shape)}, {classes.size} classes in {len(sizes)} tasks",
        flush=True,
    )
    stream = class_incremental_stream(
        X, y, classes_per_task=sizes, test_size=0.3, random_state=args.seed
    )
    print(
        "model: RandomCrop -> PatchKMeansFeatures (pretrained on task 1, "
        "frozen) -> StandardScaler -> ContinualSGDClassifier"
        "(replay=ClassBalancedReplay(20 per class)); "
        f"{args.epochs} passes of partial_fit per task",
        flush=True,
    )
    pipe = build_pipeline(stream[0].X_train, image_shape, classes.size, args.seed)
    result = evaluate_stream(
        pipe, stream, n_epochs=args.epochs, random_state=args.seed, verbose=True
    )
    print("\nAccuracy matrix (row: after training task i; column: tested on task j)")
    print(result.format_matrix())
    m = result.metrics
    print(
        f"\nfinal average accuracy {m['average_accuracy']:.3f} | average "
        f"forgetting {m['average_forgetting']:.3f} | backward transfer "
        f"{m['backward_transfer']:+.3f} | {time.perf_counter() - t0:.1f} s"
    )
    _save_outputs(result, args)
    return result


def _save_outputs(result, args):
    if args.save:
        from .persistence import save

        path = save(result.estimator, args.save)
        print(f"model saved to {path}")
    if args.plot is None:
        return
    try:
        import matplotlib
    except ImportError:
        print('(install matplotlib, pip install "skcl[plot]", to get a plot)')
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .metrics import AccuracyMatrixDisplay

    disp = AccuracyMatrixDisplay.from_result(result)
    disp.ax_.set_title("skcl demo: accuracy after each task")
    path = Path(args.plot).resolve()
    disp.figure_.savefig(path, dpi=100)
    plt.close(disp.figure_)
    print(f"accuracy matrix plot written to {path}")


def main(argv=None):
    """Entry point of ``python -m skcl`` and the ``skcl`` console script."""
    parser = argparse.ArgumentParser(
        prog="skcl", description="Continual learning for scikit-learn."
    )
    parser.add_argument("--version", action="version", version=f"skcl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "demo",
        help="class-incremental image stream (bundled digits by default)",
        description=(
            "Train an image pipeline task by task with partial_fit and print the "
            "accuracy on every task seen so far."
        ),
    )
    p.add_argument(
        "--data",
        default=None,
        help="folder of MNIST-format IDX files, or of one subfolder per class "
        "(default: scikit-learn's bundled digits)",
    )
    p.add_argument("--epochs", type=int, default=5, help="passes over each task")
    p.add_argument("--classes-per-task", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--plot",
        default="skcl-demo-accuracy.png",
        help="where to write the accuracy-matrix PNG (needs matplotlib)",
    )
    p.add_argument("--no-plot", dest="plot", action="store_const", const=None)
    p.add_argument("--save", default=None, help="save the final model to this path")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.classes_per_task < 1:
        parser.error("--epochs and --classes-per-task must be >= 1")
    demo(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
