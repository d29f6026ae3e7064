"""Tests for skcl.persistence: save/load, atomic writes, checkpoints, ModelStore."""

import os
import warnings

import joblib
import numpy as np
import pytest

import skcl.persistence as persistence
from skcl.exceptions import InconsistentVersionWarning
from skcl.persistence import (
    Checkpoint,
    ModelStore,
    load,
    load_checkpoint,
    save,
    save_checkpoint,
)


@pytest.fixture
def fitted(blobs):
    from skcl.linear_model import ContinualSGDClassifier

    X, y = blobs
    clf = ContinualSGDClassifier(random_state=0)
    clf.partial_fit(X[y < 2], y[y < 2])
    clf.partial_fit(X[y >= 2], y[y >= 2])
    return clf, X


@pytest.mark.parametrize("compress", [0, 3, 9])
def test_round_trip_keeps_predictions(fitted, tmp_path, compress):
    clf, X = fitted
    path = save(clf, tmp_path / "model.joblib", compress=compress)
    assert path == tmp_path / "model.joblib"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same versions: no warning
        loaded = load(path)
    assert type(loaded) is type(clf)
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # the loaded model keeps learning
    loaded.partial_fit(X[:10], np.full(10, 7))
    assert 7 in loaded.classes_


def test_file_is_stamped_with_versions(fitted, tmp_path):
    import sklearn

    import skcl

    save(fitted[0], tmp_path / "m.joblib")
    payload = joblib.load(tmp_path / "m.joblib")
    assert payload["format"] == persistence.FORMAT_TAG
    assert payload["versions"] == {
        "skcl": skcl.__version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
    }


def test_plain_joblib_still_works(fitted, tmp_path):
    clf, X = fitted
    joblib.dump(clf, tmp_path / "plain.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "plain.joblib").predict(X), clf.predict(X)
    )


def test_crash_mid_write_leaves_old_file_intact(fitted, tmp_path, monkeypatch):
    clf, X = fitted
    path = tmp_path / "model.joblib"
    save(clf, path)
    before = path.read_bytes()

    def dying_dump(value, fileobj, compress=0):
        fileobj.write(b"half a pickle")
        raise KeyboardInterrupt("simulated crash")

    monkeypatch.setattr(persistence.joblib, "dump", dying_dump)
    with pytest.raises(KeyboardInterrupt):
        save({"new": "model"}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.joblib"]  # temp file cleaned up
    monkeypatch.undo()
    np.testing.assert_array_equal(load(path).predict(X), clf.predict(X))


def test_write_goes_through_temp_file_and_replace(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy_replace(src, dst):
        seen.append((os.path.dirname(src), os.path.basename(src), dst))
        return real_replace(src, dst)

    monkeypatch.setattr(persistence.os, "replace", spy_replace)
    save([1, 2, 3], tmp_path / "x.joblib")
    (directory, name, dst) = seen[0]
    assert directory == str(tmp_path) and name.endswith(".tmp")
    assert dst == tmp_path / "x.joblib"


@pytest.mark.parametrize(
    "content",
    [b"", b"this is not a pickle at all", b"\x80\x04\x95garbage"],
    ids=["empty", "text", "bad-pickle"],
)
def test_corrupt_file_raises_value_error_naming_path(tmp_path, content):
    path = tmp_path / "broken.joblib"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="broken.joblib"):
        load(path)


def test_truncated_file_raises_value_error(fitted, tmp_path):
    path = tmp_path / "model.joblib"
    save(fitted[0], path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt, truncated"):
        load(path)


def test_foreign_joblib_file_is_rejected(tmp_path):
    joblib.dump({"a": 1}, tmp_path / "other.joblib")
    with pytest.raises(ValueError, match="not written by skcl.*joblib.load"):
        load(tmp_path / "other.joblib")


def test_missing_file_and_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.joblib"):
        load(tmp_path / "nope.joblib")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save([1], tmp_path / "no" / "dir" / "m.joblib")


def test_version_mismatch_warns(fitted, tmp_path, monkeypatch):
    real = persistence._versions()
    monkeypatch.setattr(
        persistence, "_versions", lambda: {**real, "skcl": "0.0.1", "numpy": "1.0"}
    )
    save(fitted[0], tmp_path / "old.joblib")
    monkeypatch.undo()
    with pytest.warns(InconsistentVersionWarning, match="skcl 0.0.1 .saved.") as rec:
        model = load(tmp_path / "old.joblib")
    assert "numpy 1.0" in str(rec[0].message)
    assert hasattr(model, "coef_")


def test_newer_format_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(persistence, "FORMAT_VERSION", 99)
    save([1], tmp_path / "future.joblib")
    monkeypatch.undo()
    with pytest.raises(ValueError, match="Upgrade skcl"):
        load(tmp_path / "future.joblib")


@pytest.mark.parametrize("compress", [-1, 10, 2.5, True])
def test_bad_compress(tmp_path, compress):
    with pytest.raises((ValueError, TypeError), match="compress"):
        save([1], tmp_path / "m.joblib", compress=compress)
    assert not os.listdir(tmp_path)


def test_checkpoint_round_trip(fitted, tmp_path):
    clf, X = fitted
    rows = np.array([[1.0, np.nan], [0.5, 0.9]])
    path = save_checkpoint(
        tmp_path / "ckpt.joblib",
        clf,
        next_task=2,
        accuracy_rows=rows,
        fit_times=[0.1, 0.2],
        score_times=[0.01, 0.02],
        fingerprint="abc",
        extra={"seed": 3},
    )
    ckpt = load_checkpoint(path)
    assert isinstance(ckpt, Checkpoint)
    assert ckpt.next_task == 2 and ckpt.fingerprint == "abc"
    assert ckpt.extra == {"seed": 3} and ckpt.fit_times == [0.1, 0.2]
    np.testing.assert_array_equal(ckpt.accuracy_rows, rows)
    np.testing.assert_array_equal(ckpt.estimator.predict(X), clf.predict(X))
    # load() on a checkpoint gives the estimator; load_checkpoint on a model fails
    np.testing.assert_array_equal(load(path).predict(X), clf.predict(X))
    save(clf, tmp_path / "model.joblib")
    with pytest.raises(ValueError, match="not a checkpoint"):
        load_checkpoint(tmp_path / "model.joblib")


def test_checkpoint_bad_input(tmp_path):
    with pytest.raises(ValueError, match="next_task rows"):
        save_checkpoint(tmp_path / "c", "m", next_task=2, accuracy_rows=[[1.0]])
    with pytest.raises(ValueError, match=">= 0"):
        save_checkpoint(tmp_path / "c", "m", next_task=-1)
    with pytest.raises(TypeError, match="int"):
        save_checkpoint(tmp_path / "c", "m", next_task=1.5)


def test_model_store_versions(tmp_path):
    store = ModelStore(tmp_path / "store")
    assert len(store) == 0
    with pytest.raises(FileNotFoundError, match="No model version"):
        store.load_latest()
    assert store.save({"w": 1}, tag="a") == 1
    assert store.save({"w": 2}) == 2
    assert store.save({"w": 3}, tag="a") == 3
    assert len(store) == 3
    assert store.load_latest() == {"w": 3}
    assert store.load(2) == {"w": 2}
    assert store.load(tag="a") == {"w": 3}
    assert [v["tag"] for v in store.versions()] == ["a", None, "a"]
    assert all(os.path.exists(v["path"]) for v in store.versions())
    with pytest.raises(FileNotFoundError, match="tag 'b'"):
        store.load(tag="b")
    with pytest.raises(TypeError, match="tag"):
        store.save({}, tag=3)


def test_model_store_never_overwrites(tmp_path, monkeypatch):
    store = ModelStore(tmp_path)
    store.save("first")
    # another process took version 2 between our scan and our write
    real_numbers = ModelStore._numbers
    calls = {"n": 0}

    def stale_numbers(self):
        calls["n"] += 1
        if calls["n"] == 1:
            save("other", tmp_path / "model-v0002.joblib")
            return [1]
        return real_numbers(self)

    monkeypatch.setattr(ModelStore, "_numbers", stale_numbers)
    assert store.save("mine") == 3
    monkeypatch.undo()
    assert store.load(2) == "other" and store.load(3) == "mine"
