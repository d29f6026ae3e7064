"""Save and load models and checkpoints, stamped with the library versions.

:func:`save` writes an estimator with :mod:`joblib`, together with the
versions of skcl, scikit-learn and numpy and a format tag. The file is
written *atomically*: to a temporary file in the same directory, flushed to
disk, then renamed over the destination, so a crash mid-write leaves the old
file intact. :func:`load` reads it back, warns with
:class:`~skcl.exceptions.InconsistentVersionWarning` when the versions differ
from the installed ones, and turns a corrupt, truncated or foreign file into a
:class:`ValueError` that names the path.

:func:`save_checkpoint` / :func:`load_checkpoint` store an estimator together
with the index of the next task and the accuracy rows measured so far; they
are what :func:`skcl.evaluation.evaluate_stream` uses to resume after a crash.
:class:`ModelStore` keeps numbered versions of a model in a directory.

Plain ``joblib.dump`` / ``joblib.load`` of skcl estimators keep working; this
module only adds the version stamp, the atomic write and the clear errors.

.. warning::
    Like :mod:`pickle`, loading a file can execute arbitrary code. Load only
    files you trust.
"""

import json
import os
import re
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np

from .exceptions import InconsistentVersionWarning

__all__ = [
    "Checkpoint",
    "ModelStore",
    "load",
    "load_checkpoint",
    "save",
    "save_checkpoint",
]

FORMAT_TAG = "skcl.persistence"
FORMAT_VERSION = 1
_KINDS = ("model", "checkpoint")


def _versions():
    """Return the versions stamped into every file."""
    import sklearn

    import skcl

    return {
        "skcl": skcl.__version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
    }


def _check_compress(compress):
    if isinstance(compress, bool) or not isinstance(compress, (int, np.integer)):
        raise TypeError(f"compress must be an int in [0, 9], got {compress!r}.")
    if not 0 <= compress <= 9:
        raise ValueError(f"compress must be an int in [0, 9], got {compress!r}.")
    return int(compress)


def _fsync_directory(directory):
    """Flush the directory entry of a rename to disk (POSIX; best effort)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path, write, *, overwrite=True):
    """Call ``write(fileobj)`` on a temp file next to ``path``, then rename it.

    The temporary file lives in the destination directory (a rename is only
    atomic within one file system), is flushed and fsync-ed, then moved over
    ``path`` with :func:`os.replace`. On any error the temporary file is
    removed and ``path`` is untouched. With ``overwrite=False`` an existing
    ``path`` raises :class:`FileExistsError` (``os.link`` refuses to clobber).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(
            f"Cannot save to {str(path)!r}: directory {str(directory)!r} does not "
            "exist."
        )
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=directory
    )
    try:
        with os.fdopen(fd, "wb") as fileobj:
            write(fileobj)
            fileobj.flush()
            os.fsync(fileobj.fileno())
        if overwrite:
            os.replace(tmp_name, path)
        else:
            os.link(tmp_name, path)  # FileExistsError if taken, never clobbers
            os.unlink(tmp_name)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    _fsync_directory(directory)
    return path


def _dump(obj, path, *, kind, compress, metadata=None, overwrite=True):
    compress = _check_compress(compress)
    payload = {
        "format": FORMAT_TAG,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "versions": _versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "metadata": dict(metadata or {}),
        "object": obj,
    }
    return _atomic_write(
        path,
        lambda f: joblib.dump(payload, f, compress=compress),
        overwrite=overwrite,
    )


def _read(path, *, expected_kind=None):
    """Load and check a payload written by :func:`_dump`."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such skcl file: {str(path)!r}.")
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a directory, not an skcl file.")
    try:
        payload = joblib.load(path)
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise ValueError(
            f"Cannot read {str(path)!r}: the file is corrupt, truncated or not a "
            f"joblib file ({type(exc).__name__}: {exc})."
        ) from exc
    if not (isinstance(payload, dict) and payload.get("format") == FORMAT_TAG):
        raise ValueError(
            f"{str(path)!r} was not written by skcl.persistence.save (no skcl format "
            "tag). Read plain joblib files with joblib.load."
        )
    if payload.get("format_version", 0) > FORMAT_VERSION or payload.get(
        "kind"
    ) not in _KINDS:
        raise ValueError(
            f"{str(path)!r} uses skcl file format version "
            f"{payload.get('format_version')!r} (kind {payload.get('kind')!r}); this "
            f"skcl reads format version <= {FORMAT_VERSION}. Upgrade skcl."
        )
    if expected_kind is not None and payload["kind"] != expected_kind:
        raise ValueError(
            f"{str(path)!r} holds a {payload['kind']}, not a {expected_kind}."
        )
    saved = payload.get("versions", {})
    installed = _versions()
    diffs = [
        f"{name} {saved.get(name)!s} (saved) vs {version} (installed)"
        for name, version in installed.items()
        if saved.get(name) != version
    ]
    if diffs:
        warnings.warn(
            f"{str(path)!r} was saved with other library versions: "
            + "; ".join(diffs)
            + ". The model may load incorrectly or behave differently; refit or "
            "re-save it with the installed versions.",
            InconsistentVersionWarning,
            stacklevel=3,
        )
    return payload


def save(estimator, path, *, compress=3):
    """Save an estimator to ``path``, stamped with the library versions.

    The file is written atomically: to a temporary file in the same
    directory, flushed to disk (``fsync``), then renamed over ``path``. If the
    process dies mid-write, an existing file at ``path`` stays intact.

    Parameters
    ----------
    estimator : object
        The (usually fitted) estimator, pipeline or any picklable object.
    path : str or os.PathLike
        Destination file. Its directory must exist.
    compress : int, default=3
        The zlib compression level passed to :func:`joblib.dump`, in ``[0, 9]``
        (0 disables compression).

    Returns
    -------
    path : pathlib.Path
        The path written.

    See Also
    --------
    load : Read the file back, checking the versions.
    ModelStore : Numbered versions of a model in a directory.

    Notes
    -----
    The file is a joblib pickle of a small dict: a format tag, the skcl,
    scikit-learn and numpy versions, a timestamp and the estimator. Plain
    ``joblib.dump(estimator, path)`` still works for skcl estimators; it just
    lacks the version stamp and the atomic write.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skcl.persistence import save, load
    >>> clf = SGDClassifier(random_state=0).fit([[0.0], [1.0]], [0, 1])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.joblib")
    >>> _ = save(clf, path)
    >>> load(path).predict([[1.0]])
    array([1])
    """
    return _dump(estimator, path, kind="model", compress=compress)


def load(path):
    """Load an estimator written by :func:`save`.

    Parameters
    ----------
    path : str or os.PathLike
        File written by :func:`save` (or by :func:`save_checkpoint`, in which
        case the checkpointed estimator is returned).

    Returns
    -------
    estimator : object
        The saved estimator.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is corrupt, truncated, or was not written by skcl.

    Warns
    -----
    skcl.exceptions.InconsistentVersionWarning
        If the file was saved with other versions of skcl, scikit-learn or
        numpy than the installed ones.

    See Also
    --------
    save : Write an estimator with the version stamp.

    Notes
    -----
    Loading a pickle can execute arbitrary code: load only trusted files.

    Examples
    --------
    >>> import os, tempfile
    >>> from skcl.persistence import save, load
    >>> path = os.path.join(tempfile.mkdtemp(), "obj.joblib")
    >>> _ = save({"weights": [1, 2]}, path)
    >>> load(path)
    {'weights': [1, 2]}
    """
    payload = _read(path)
    obj = payload["object"]
    if payload["kind"] == "checkpoint":
        return obj["estimator"]
    return obj


@dataclass
class Checkpoint:
    """State of an interrupted stream evaluation.

    Parameters
    ----------
    estimator : object
        The estimator after training on tasks ``0 .. next_task - 1``.
    next_task : int
        Index of the first task not finished yet.
    accuracy_rows : ndarray of shape (next_task, n_tasks)
        Rows of the accuracy matrix measured so far.
    fit_times : list of float
        Training time of each finished task, in seconds.
    score_times : list of float
        Scoring time of each finished task, in seconds.
    fingerprint : str or None
        Identifies the stream, estimator and settings that produced the
        checkpoint, so that a checkpoint is never resumed on other data.
    extra : dict
        Anything else the caller wants to keep.
    """

    estimator: object
    next_task: int
    accuracy_rows: np.ndarray
    fit_times: list = field(default_factory=list)
    score_times: list = field(default_factory=list)
    fingerprint: str = None
    extra: dict = field(default_factory=dict)


def save_checkpoint(
    path,
    estimator,
    *,
    next_task,
    accuracy_rows=None,
    fit_times=(),
    score_times=(),
    fingerprint=None,
    extra=None,
    compress=3,
):
    """Atomically save an estimator with the progress of a stream evaluation.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; overwritten atomically.
    estimator : object
        The estimator after finishing task ``next_task - 1``.
    next_task : int
        Index of the next task to train on, ``>= 0``.
    accuracy_rows : array-like of shape (next_task, n_tasks), default=None
        Accuracy matrix rows measured so far.
    fit_times, score_times : sequence of float, default=()
        Per-task timings measured so far.
    fingerprint : str, default=None
        Identifier of the run (stream + estimator + settings).
    extra : dict, default=None
        Any other picklable state.
    compress : int, default=3
        The zlib compression level, in ``[0, 9]``.

    Returns
    -------
    path : pathlib.Path
        The path written.

    See Also
    --------
    load_checkpoint : Read a checkpoint back.
    skcl.evaluation.evaluate_stream : Uses checkpoints to resume.

    Examples
    --------
    >>> import os, tempfile
    >>> from skcl.persistence import save_checkpoint, load_checkpoint
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.joblib")
    >>> _ = save_checkpoint(path, "model", next_task=2, accuracy_rows=[[1, 0], [.5, 1]])
    >>> load_checkpoint(path).next_task
    2
    """
    if isinstance(next_task, bool) or not isinstance(next_task, (int, np.integer)):
        raise TypeError(f"next_task must be an int, got {next_task!r}.")
    if next_task < 0:
        raise ValueError(f"next_task must be >= 0, got {next_task}.")
    if accuracy_rows is None:
        accuracy_rows = np.empty((next_task, 0))
    accuracy_rows = np.asarray(accuracy_rows, dtype=float)
    if accuracy_rows.ndim != 2 or accuracy_rows.shape[0] != next_task:
        raise ValueError(
            "accuracy_rows must be a 2-D array with next_task rows, got shape "
            f"{accuracy_rows.shape} for next_task={next_task}."
        )
    state = {
        "estimator": estimator,
        "next_task": int(next_task),
        "accuracy_rows": accuracy_rows,
        "fit_times": [float(t) for t in fit_times],
        "score_times": [float(t) for t in score_times],
        "fingerprint": fingerprint,
        "extra": dict(extra or {}),
    }
    return _dump(state, path, kind="checkpoint", compress=compress)


def load_checkpoint(path):
    """Load a checkpoint written by :func:`save_checkpoint`.

    Parameters
    ----------
    path : str or os.PathLike
        Checkpoint file.

    Returns
    -------
    checkpoint : Checkpoint
        The estimator, next task index, accuracy rows and timings.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is corrupt, not written by skcl, or not a checkpoint.

    See Also
    --------
    save_checkpoint : Write a checkpoint.

    Examples
    --------
    >>> import os, tempfile
    >>> from skcl.persistence import save_checkpoint, load_checkpoint
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.joblib")
    >>> _ = save_checkpoint(path, "model", next_task=0)
    >>> load_checkpoint(path).estimator
    'model'
    """
    state = _read(path, expected_kind="checkpoint")["object"]
    return Checkpoint(**state)


_VERSION_RE = re.compile(r"^model-v(\d+)\.joblib$")


class ModelStore:
    """Numbered versions of a model in a directory.

    Each :meth:`save` writes ``model-v<N>.joblib`` (atomically, with the
    version stamp of :func:`save`) and never overwrites an earlier version,
    so a deployment can roll back. A JSON side file holds the optional tag
    and the time of each version.

    Parameters
    ----------
    directory : str or os.PathLike
        Where the versions live; created if missing.
    compress : int, default=3
        The zlib compression level, in ``[0, 9]``.

    See Also
    --------
    save : Save a single file.

    Examples
    --------
    >>> import tempfile
    >>> from skcl.persistence import ModelStore
    >>> store = ModelStore(tempfile.mkdtemp())
    >>> store.save({"w": 1}, tag="first")
    1
    >>> store.save({"w": 2})
    2
    >>> store.load_latest()
    {'w': 2}
    >>> store.load(tag="first")
    {'w': 1}
    """

    def __init__(self, directory, *, compress=3):
        self.directory = Path(directory)
        self.compress = compress

    def _path(self, version):
        return self.directory / f"model-v{version:04d}.joblib"

    def _numbers(self):
        if not self.directory.is_dir():
            return []
        found = []
        for entry in os.listdir(self.directory):
            match = _VERSION_RE.match(entry)
            if match:
                found.append(int(match.group(1)))
        return sorted(found)

    def save(self, model, tag=None):
        """Save ``model`` as a new version and return its number.

        Parameters
        ----------
        model : object
            The model to store.
        tag : str, default=None
            Free-form label (e.g. ``"after-task-3"``).

        Returns
        -------
        version : int
            The new version number (1, 2, ...).
        """
        if tag is not None and not isinstance(tag, str):
            raise TypeError(f"tag must be a str or None, got {tag!r}.")
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = {"tag": tag}
        for _ in range(100):  # another process may take the number first
            numbers = self._numbers()
            version = numbers[-1] + 1 if numbers else 1
            try:
                _dump(
                    model,
                    self._path(version),
                    kind="model",
                    compress=self.compress,
                    metadata=meta,
                    overwrite=False,
                )
            except FileExistsError:
                continue
            break
        else:  # pragma: no cover
            raise RuntimeError(f"Could not reserve a version in {self.directory}.")
        info = {
            "version": version,
            "tag": tag,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        _atomic_write(
            self._path(version).with_suffix(".json"),
            lambda f: f.write(json.dumps(info).encode()),
        )
        return version

    def versions(self):
        """List the stored versions, oldest first.

        Returns
        -------
        versions : list of dict
            ``{"version", "tag", "created", "path"}`` for each version.
        """
        out = []
        for number in self._numbers():
            info = {"version": number, "tag": None, "created": None}
            side = self._path(number).with_suffix(".json")
            try:
                info.update(json.loads(side.read_text()))
            except (OSError, ValueError):
                pass
            info["path"] = str(self._path(number))
            out.append(info)
        return out

    def __len__(self):
        return len(self._numbers())

    def load(self, version=None, *, tag=None):
        """Load a version (default: the latest, or the latest with ``tag``).

        Parameters
        ----------
        version : int, default=None
            Version number; ``None`` means the latest.
        tag : str, default=None
            With ``version=None``, the latest version carrying this tag.

        Returns
        -------
        model : object
            The stored model.
        """
        if version is None:
            candidates = [
                v["version"]
                for v in self.versions()
                if tag is None or v["tag"] == tag
            ]
            if not candidates:
                what = f" with tag {tag!r}" if tag is not None else ""
                raise FileNotFoundError(
                    f"No model version{what} in {str(self.directory)!r}."
                )
            version = candidates[-1]
        return load(self._path(int(version)))

    def load_latest(self):
        """Load the most recent version.

        Returns
        -------
        model : object
            The stored model.
        """
        return self.load()

    def __repr__(self):
        return f"ModelStore({str(self.directory)!r})"
