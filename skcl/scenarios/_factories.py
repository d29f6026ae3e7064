"""Seeded factories that cut a dataset into a stream of tasks."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, column_or_1d

from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._stream import Task, TaskStream, _classes_name

__all__ = [
    "class_incremental_stream",
    "domain_incremental_stream",
    "task_incremental_stream",
]

_MAX_SEED = np.iinfo(np.int32).max


# --------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------
def _check_X_y(X, y):
    """Validate X (dense, CSR, or image array; shape kept) and 1-D y."""
    if sp.issparse(X):
        X = X.tocsr()
    X = check_array(
        X,
        accept_sparse="csr",
        dtype=None,
        allow_nd=True,
        ensure_all_finite=False,
        ensure_2d=True,
    )
    y = column_or_1d(y, warn=True)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but y has {y.shape[0]}.")
    return X, y


def _test_counts(counts, test_size):
    """Test samples per class: proportional, at least 1 and at most n_c - 1."""
    n = counts.sum()
    if isinstance(test_size, Integral):
        if test_size >= n:
            raise ValueError(
                f"test_size={test_size} must be smaller than the {n} samples."
            )
        target = test_size * counts / n
    else:
        target = test_size * counts
    n_test = np.floor(target).astype(np.int64)
    extra = int(round(target.sum())) - int(n_test.sum())
    if extra > 0:  # largest remainders get one more
        n_test[np.argsort(n_test - target, kind="stable")[:extra]] += 1
    return np.clip(n_test, np.minimum(1, counts - 1), counts - 1)


def _split_indices(idx, y, test_size, seed, *, where, require_both=True):
    """Stratified train/test split of the indices ``idx``.

    Every class with at least 2 samples gets at least one training and one
    test sample; the test count of each class is proportional to its size.
    """
    labels, inverse, counts = np.unique(
        y[idx], return_inverse=True, return_counts=True
    )
    if require_both and np.any(counts < 2):
        rare = labels[counts < 2].tolist()
        raise ValueError(
            f"{where}: classes {rare} have a single sample; a stratified test "
            "split needs at least 2 samples per class."
        )
    n_test = _test_counts(counts, test_size)
    rng = np.random.RandomState(seed)
    perm = rng.permutation(idx.shape[0])
    order = perm[np.argsort(inverse[perm], kind="stable")]  # by class, shuffled
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    cls = inverse[order]
    rank = np.arange(order.shape[0]) - starts[cls]
    is_test = rank < n_test[cls]
    train = idx[rng.permutation(order[~is_test])]
    test = idx[rng.permutation(order[is_test])]
    return train, test


# --------------------------------------------------------------------------
# class / task incremental
# --------------------------------------------------------------------------
def _class_groups(classes, n_tasks, classes_per_task, class_order, shuffle, rng):
    """Return the list of class groups (one array per task)."""
    nested = class_order is not None and any(
        isinstance(c, (list, tuple, np.ndarray, set, frozenset)) for c in class_order
    )
    n_ways = (n_tasks is not None) + (classes_per_task is not None) + nested
    if n_ways > 1:
        raise ValueError(
            "Give exactly one way of splitting the classes: n_tasks, "
            "classes_per_task, or a nested class_order (one list of classes per "
            f"task); got n_tasks={n_tasks!r}, classes_per_task="
            f"{classes_per_task!r} and a {'nested' if nested else 'flat'} "
            "class_order."
        )
    if class_order is not None and shuffle:
        raise ValueError("shuffle_classes=True cannot be combined with class_order.")

    if class_order is not None:
        if nested and not all(
            isinstance(c, (list, tuple, np.ndarray, set, frozenset))
            for c in class_order
        ):
            raise ValueError(
                "class_order mixes lists and single labels; give either a flat "
                "order of the classes or one list of classes per task."
            )
        groups = (
            [np.asarray(list(g)) for g in class_order]
            if nested
            else [np.asarray(class_order)]
        )
        flat = np.concatenate([g.ravel() for g in groups])
        if any(g.size == 0 for g in groups):
            raise ValueError("class_order contains an empty task.")
        try:
            absent = np.setdiff1d(flat, classes)
        except TypeError as exc:
            raise ValueError(
                f"class_order labels {flat.tolist()} cannot be compared with the "
                f"labels of y {classes.tolist()}."
            ) from exc
        if absent.size:
            raise ValueError(
                f"class_order names classes absent from y: {absent.tolist()} "
                f"(y has {classes.tolist()})."
            )
        uniq, counts = np.unique(flat, return_counts=True)
        if np.any(counts > 1):
            raise ValueError(
                f"class_order names classes more than once: "
                f"{uniq[counts > 1].tolist()}."
            )
        missing = np.setdiff1d(classes, flat)
        if missing.size:
            raise ValueError(
                f"class_order leaves out classes {missing.tolist()} of y; name "
                "every class once, or drop the samples of unused classes first."
            )
        if nested:
            return [g.astype(classes.dtype) for g in groups]
        order = flat.astype(classes.dtype)
        if n_ways == 0:
            raise ValueError(
                "A flat class_order gives the order of the classes; also give "
                "n_tasks or classes_per_task, or pass one list of classes per "
                "task, e.g. [[0, 1], [2, 3]]."
            )
    elif n_ways == 0:
        raise ValueError(
            "Give one way of splitting the classes into tasks: n_tasks, "
            "classes_per_task, or a nested class_order such as [[0, 1], [2, 3]]."
        )
    else:
        order = rng.permutation(classes) if shuffle else classes

    n_classes = len(order)
    if n_tasks is not None:
        if n_tasks > n_classes:
            raise ValueError(
                f"n_tasks={n_tasks} is larger than the number of classes "
                f"({n_classes}); each task needs at least one class."
            )
        return np.array_split(order, n_tasks)
    # here classes_per_task is the (only) way of splitting
    if isinstance(classes_per_task, Integral):
        if classes_per_task > n_classes:
            raise ValueError(
                f"classes_per_task={classes_per_task} is larger than the "
                f"number of classes ({n_classes})."
            )
        sizes = [classes_per_task] * (n_classes // classes_per_task)
        if n_classes % classes_per_task:
            sizes.append(n_classes % classes_per_task)
    else:
        sizes = [int(s) for s in classes_per_task]
        if any(s < 1 for s in sizes) or sum(sizes) != n_classes:
            raise ValueError(
                "classes_per_task as a list must hold positive sizes summing "
                f"to the number of classes ({n_classes}), got {sizes}."
            )
    return np.split(order, np.cumsum(sizes)[:-1])


def _incremental_stream(
    X, y, n_tasks, classes_per_task, class_order, test_size, shuffle_classes,
    random_state, scenario,
):
    X, y = _check_X_y(X, y)
    classes = np.unique(y)
    rng = check_random_state(random_state)
    groups = _class_groups(
        classes, n_tasks, classes_per_task, class_order, shuffle_classes, rng
    )
    seeds = rng.randint(_MAX_SEED, size=len(groups))
    # indices of each class, grouped without a per-sample Python loop
    order = np.argsort(y, kind="stable")
    bounds = np.searchsorted(y[order], classes)
    ends = np.append(bounds[1:], len(y))
    class_idx = {c: order[b:e] for c, b, e in zip(classes.tolist(), bounds, ends)}

    tasks = []
    for t, (group, seed) in enumerate(zip(groups, seeds)):
        idx = np.concatenate([class_idx[c] for c in group.tolist()])
        name = _classes_name(np.sort(group))
        train, test = _split_indices(
            idx, y, test_size, seed, where=f"Task {t} ({name})"
        )
        tasks.append(
            Task(
                t,
                X[train],
                y[train],
                X[test],
                y[test],
                classes=np.sort(group),
                name=name,
            )
        )
    return TaskStream(tasks, scenario=scenario)


_SPLIT_CONSTRAINTS = {
    "X": ["array-like", "sparse matrix"],
    "y": ["array-like"],
    "n_tasks": [Interval(Integral, 1, None, closed="left"), None],
    "classes_per_task": [
        Interval(Integral, 1, None, closed="left"),
        "array-like",
        None,
    ],
    "class_order": ["array-like", None],
    "test_size": [
        Interval(Real, 0, 1, closed="neither"),
        Interval(Integral, 1, None, closed="left"),
    ],
    "shuffle_classes": ["boolean"],
    "random_state": ["random_state"],
}


@validate_params(_SPLIT_CONSTRAINTS, prefer_skip_nested_validation=True)
def class_incremental_stream(
    X,
    y,
    *,
    n_tasks=None,
    classes_per_task=None,
    class_order=None,
    test_size=0.25,
    shuffle_classes=False,
    random_state=None,
):
    """Split a dataset into tasks with disjoint classes (class-incremental).

    The classes are cut into consecutive groups, one per task; each task holds
    every sample of its classes, split into a stratified train and test part.
    At prediction time the model must choose among **all** classes seen so
    far (the task identity is not given), which is the hardest and most
    common continual-learning scenario (Split-MNIST, Split-CIFAR).

    Give exactly one way of splitting: ``n_tasks``, ``classes_per_task``, or
    a nested ``class_order`` (one list of classes per task).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
            (n_samples, height, width[, channels])
        Inputs. Sparse input is converted to CSR; image arrays keep their
        shape.

    y : array-like of shape (n_samples,)
        Labels.

    n_tasks : int, default=None
        Number of tasks, in ``[1, n_classes]``; the classes are cut into
        ``n_tasks`` groups of sizes as equal as possible (the first groups
        get one class more).

    classes_per_task : int or array-like of int, default=None
        Number of classes per task (``>= 1``; the last task gets the
        remainder), or a list of group sizes summing to the number of
        classes.

    class_order : array-like, default=None
        Either a flat permutation of all the classes (the order in which
        they arrive; combine it with ``n_tasks`` or ``classes_per_task``),
        or a nested list giving the classes of each task, e.g.
        ``[[0, 1], [2, 3]]``. Every class of ``y`` must appear exactly once.
        ``None`` uses the sorted classes.

    test_size : float or int, default=0.25
        Test part of every task: a fraction in ``(0, 1)`` or a number of
        samples ``>= 1``. The split is stratified by class within each task:
        each class gets a test count proportional to its size, rounded, and
        at least one training and one test sample (so every class needs at
        least 2 samples).

    shuffle_classes : bool, default=False
        Shuffle the class order with ``random_state`` (not with
        ``class_order``).

    random_state : int, RandomState instance or None, default=None
        Seeds the class shuffle and the train/test splits.

    Returns
    -------
    stream : TaskStream
        Tasks with ``scenario="class-incremental"``; the task classes
        partition the classes of ``y``.

    See Also
    --------
    task_incremental_stream : The same split, with the task known at
        prediction.
    domain_incremental_stream : The same classes in every task.
    skcl.evaluation.evaluate_stream : Train and score an estimator on a stream.

    Notes
    -----
    Each sample lands in exactly one task (in its train or its test part).
    The training part of a task is shuffled, so feeding it to
    ``partial_fit`` in order does not see the classes one after the other.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skcl.scenarios import class_incremental_stream
    >>> X, y = load_digits(return_X_y=True)
    >>> stream = class_incremental_stream(X, y, n_tasks=5, random_state=0)
    >>> stream
    TaskStream(scenario='class-incremental', n_tasks=5, n_features=64,
    classes=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> [task.name for task in stream][:2]
    ['classes 0, 1', 'classes 2, 3']
    >>> stream[0].n_train, stream[0].n_test
    (270, 90)
    """
    return _incremental_stream(
        X, y, n_tasks, classes_per_task, class_order, test_size,
        shuffle_classes, random_state, "class-incremental",
    )


@validate_params(_SPLIT_CONSTRAINTS, prefer_skip_nested_validation=True)
def task_incremental_stream(
    X,
    y,
    *,
    n_tasks=None,
    classes_per_task=None,
    class_order=None,
    test_size=0.25,
    shuffle_classes=False,
    random_state=None,
):
    """Split a dataset into tasks with disjoint classes, task known at test.

    The data split is exactly the one of :func:`class_incremental_stream`
    (same arguments, same seeds give the same tasks); only
    ``stream.scenario`` differs: ``"task-incremental"``. In this scenario the
    model is told which task each test sample belongs to, so it picks the
    best class *among that task's classes*. :func:`skcl.evaluation.evaluate_stream`
    does so with :func:`predict_within_task` (the estimator's
    ``predict_proba``, or ``decision_function``, restricted to
    ``task.classes``), which makes it much easier than class-incremental.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
            (n_samples, height, width[, channels])
        Inputs.

    y : array-like of shape (n_samples,)
        Labels.

    n_tasks : int, default=None
        Number of tasks, in ``[1, n_classes]``.

    classes_per_task : int or array-like of int, default=None
        Number of classes per task, or a list of group sizes.

    class_order : array-like, default=None
        Flat order of the classes or nested classes of each task.

    test_size : float or int, default=0.25
        Test part of each task, a fraction in ``(0, 1)`` or a count.

    shuffle_classes : bool, default=False
        Shuffle the class order.

    random_state : int, RandomState instance or None, default=None
        Seeds the class shuffle and the train/test splits.

    Returns
    -------
    stream : TaskStream
        Tasks with ``scenario="task-incremental"``.

    See Also
    --------
    class_incremental_stream : The same tasks without the task identity.
    predict_within_task : Predict among one task's classes.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skcl.scenarios import task_incremental_stream
    >>> X, y = load_digits(return_X_y=True)
    >>> stream = task_incremental_stream(X, y, classes_per_task=2, random_state=0)
    >>> stream.scenario, len(stream), stream[4].classes
    ('task-incremental', 5, array([8, 9]))
    """
    return _incremental_stream(
        X, y, n_tasks, classes_per_task, class_order, test_size,
        shuffle_classes, random_state, "task-incremental",
    )


# --------------------------------------------------------------------------
# domain incremental
# --------------------------------------------------------------------------
def _image_view(X, image_shape, what):
    """Return X as (n, h, w[, c]) images and a function giving X's layout back."""
    if sp.issparse(X):
        raise ValueError(f"transform={what!r} needs dense image data, got sparse X.")
    X = np.asarray(X)
    if X.ndim >= 3:
        if image_shape is not None and tuple(image_shape) != X.shape[1:]:
            raise ValueError(
                f"image_shape={tuple(image_shape)} does not match the image "
                f"arrays of shape {X.shape[1:]}."
            )
        return X, lambda Z: Z
    if image_shape is None:
        side = int(round(np.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            raise ValueError(
                f"transform={what!r} on 2-D X needs image_shape: {X.shape[1]} "
                "features are not a square image."
            )
        image_shape = (side, side)
    image_shape = tuple(int(s) for s in image_shape)
    if int(np.prod(image_shape)) != X.shape[1]:
        raise ValueError(
            f"image_shape={image_shape} has {int(np.prod(image_shape))} pixels "
            f"but X has {X.shape[1]} features."
        )
    n_features = X.shape[1]
    return X.reshape((X.shape[0],) + image_shape), lambda Z: Z.reshape(
        Z.shape[0], n_features
    )


def _permute(X, perm):
    """Permute the features of X (flattened for image arrays) by ``perm``."""
    if sp.issparse(X):
        return X[:, perm]
    return X.reshape(X.shape[0], -1)[:, perm].reshape(X.shape)


def _rotate(X, angle, image_shape):
    from scipy import ndimage

    images, restore = _image_view(X, image_shape, "rotation")
    if angle == 0:
        return X
    dtype = images.dtype
    out = ndimage.rotate(
        images.astype(np.float64, copy=False),
        angle,
        axes=(2, 1),
        reshape=False,
        order=1,
        mode="constant",
        cval=0.0,
    )
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return restore(out.astype(dtype, copy=False))


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "n_tasks": [Interval(Integral, 1, None, closed="left"), None],
        "groups": ["array-like", None],
        "transform": [StrOptions({"permutation", "rotation"}), callable, None],
        "image_shape": ["array-like", None],
        "test_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def domain_incremental_stream(
    X,
    y,
    *,
    n_tasks=None,
    groups=None,
    transform=None,
    image_shape=None,
    test_size=0.25,
    random_state=None,
):
    """Build tasks with the same classes under a changing input distribution.

    Two ways of defining the domains:

    - ``groups``: a domain label per sample (a site, a sensor, a year); one
      task per distinct group, in sorted order, each split into a stratified
      train and test part.
    - ``transform`` with ``n_tasks``: one stratified train/test split of the
      whole data, then task ``t`` sees all of it through transformation
      ``t``: ``"permutation"`` (Permuted MNIST: a fixed random permutation of
      the features per task; task 0 is the identity), ``"rotation"``
      (Rotated MNIST: images rotated by ``t * 180 / n_tasks`` degrees), or a
      callable ``transform(X, task_id, rng) -> X_t`` returning as many
      samples of one shared shape.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
            (n_samples, height, width[, channels])
        Inputs. Image arrays keep their shape; ``"rotation"`` needs dense
        images (3-D/4-D ``X``, or 2-D ``X`` with ``image_shape``).

    y : array-like of shape (n_samples,)
        Labels.

    n_tasks : int, default=None
        Number of tasks (``>= 1``). Required with ``transform``; with
        ``groups`` it must be ``None`` or the number of groups.

    groups : array-like of shape (n_samples,), default=None
        Domain of each sample. Not combined with ``transform``.

    transform : {"permutation", "rotation"} or callable, default=None
        The per-task transformation. A callable receives the data (``X_train``
        then ``X_test``), the task id and a ``RandomState`` seeded per task,
        so the train and test parts of a task get the same transformation.

    image_shape : tuple of int, default=None
        ``(height, width[, channels])`` of 2-D ``X`` for ``"rotation"``;
        ``None`` infers it from image arrays or assumes square images.

    test_size : float or int, default=0.25
        Test part: a fraction in ``(0, 1)`` or a number of samples.

    random_state : int, RandomState instance or None, default=None
        Seeds the splits and the permutations.

    Returns
    -------
    stream : TaskStream
        Tasks with ``scenario="domain-incremental"``.

    See Also
    --------
    class_incremental_stream : New classes in each task.

    Notes
    -----
    With ``transform``, every task shares one train/test split, so a test
    image is never a training image of any task under another
    transformation. With ``groups``, the split is stratified by class; a
    class with a single sample in a group goes to the training part.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skcl.scenarios import domain_incremental_stream
    >>> X, y = load_digits(return_X_y=True)
    >>> stream = domain_incremental_stream(
    ...     X, y, n_tasks=3, transform="permutation", random_state=0)
    >>> stream
    TaskStream(scenario='domain-incremental', n_tasks=3, n_features=64,
    classes=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> stream[1].name
    'permutation 1'
    """
    X, y = _check_X_y(X, y)
    if groups is not None and transform is not None:
        raise ValueError(
            "Give either groups (domains present in the data) or transform "
            "(domains made by transforming the data), not both."
        )
    if groups is None and transform is None:
        raise ValueError(
            "domain_incremental_stream needs groups (a domain per sample) or a "
            "transform ('permutation', 'rotation' or a callable) with n_tasks."
        )
    rng = check_random_state(random_state)
    tasks = []
    if groups is not None:
        groups = column_or_1d(groups)
        if groups.shape[0] != y.shape[0]:
            raise ValueError(
                f"groups has {groups.shape[0]} entries but y has {y.shape[0]}."
            )
        domains = np.unique(groups)
        if n_tasks is not None and n_tasks != len(domains):
            raise ValueError(
                f"n_tasks={n_tasks} does not match the {len(domains)} distinct "
                "groups; leave n_tasks=None with groups."
            )
        seeds = rng.randint(_MAX_SEED, size=len(domains))
        for t, (domain, seed) in enumerate(zip(domains.tolist(), seeds)):
            idx = np.flatnonzero(groups == domain)
            name = f"group {domain}"
            train, test = _split_indices(
                idx, y, test_size, seed, where=f"Task {t} ({name})",
                require_both=False,
            )
            tasks.append(
                Task(
                    t, X[train], y[train], X[test], y[test],
                    name=name,
                )
            )
        return TaskStream(tasks, scenario="domain-incremental")

    if n_tasks is None:
        raise ValueError("transform needs n_tasks, the number of domains to make.")
    train, test = _split_indices(
        np.arange(y.shape[0]), y, test_size, rng.randint(_MAX_SEED), where="Split"
    )
    X_train, X_test = X[train], X[test]
    n_features = int(np.prod(X.shape[1:]))
    seeds = rng.randint(_MAX_SEED, size=n_tasks)
    for t in range(n_tasks):
        if transform == "permutation":
            if t == 0:
                name, Xt_train, Xt_test = "original", X_train, X_test
            else:
                # one permutation per task, shared by its train and test parts
                perm = np.random.RandomState(seeds[t]).permutation(n_features)
                name = f"permutation {t}"
                Xt_train, Xt_test = _permute(X_train, perm), _permute(X_test, perm)
        elif transform == "rotation":
            angle = t * 180.0 / n_tasks
            name = f"rotation {angle:g} deg"
            Xt_train = _rotate(X_train, angle, image_shape)
            Xt_test = _rotate(X_test, angle, image_shape)
        else:
            name = f"{getattr(transform, '__name__', 'transform')} {t}"
            Xt_train = transform(X_train, t, np.random.RandomState(seeds[t]))
            Xt_test = transform(X_test, t, np.random.RandomState(seeds[t]))
            for part, before, after in (
                ("X_train", X_train, Xt_train),
                ("X_test", X_test, Xt_test),
            ):
                n_after = getattr(after, "shape", (len(after),))[0]
                if n_after != before.shape[0]:
                    raise ValueError(
                        f"transform returned {n_after} samples for the "
                        f"{part} of task {t}, expected {before.shape[0]}."
                    )
        tasks.append(Task(t, Xt_train, y[train], Xt_test, y[test], name=name))
    return TaskStream(tasks, scenario="domain-incremental")
