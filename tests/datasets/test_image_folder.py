import builtins

import numpy as np
import pytest

from skcl.datasets import load_image_folder

Image = pytest.importorskip("PIL.Image")


def _write(path, array, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode=mode).save(path)


def _folder(tmp_path, sizes=((4, 6), (4, 6), (4, 6))):
    rng = np.random.RandomState(0)
    arrays = {}
    for i, (label, size) in enumerate(zip(["cat", "dog", "dog"], sizes)):
        arr = rng.randint(0, 256, size=size + (3,)).astype(np.uint8)
        name = tmp_path / label / f"{i}.png"
        _write(name, arr)
        arrays[str(name)] = arr
    return arrays


def test_grayscale_and_rgb(tmp_path):
    arrays = _folder(tmp_path)
    d = load_image_folder(tmp_path)
    assert d.data.shape == (3, 24) and d.data.dtype == np.float32
    assert d.image_shape == (4, 6)
    assert d.target.tolist() == ["cat", "dog", "dog"]
    assert d.target_names.tolist() == ["cat", "dog"]
    assert 0.0 <= d.data.min() and d.data.max() <= 1.0
    rgb = load_image_folder(tmp_path, grayscale=False)
    assert rgb.image_shape == (4, 6, 3)
    first = arrays[rgb.filenames[0]]
    np.testing.assert_allclose(rgb.data[0], first.ravel() / 255.0, rtol=1e-6)
    X, y = load_image_folder(tmp_path, return_X_y=True)
    assert X.shape == (3, 24) and len(y) == 3


def test_resize_and_mixed_sizes(tmp_path):
    _folder(tmp_path, sizes=((4, 6), (5, 5), (4, 6)))
    with pytest.raises(ValueError, match="different sizes.*image_size"):
        load_image_folder(tmp_path)
    d = load_image_folder(tmp_path, image_size=(3, 2))
    assert d.image_shape == (3, 2)
    assert d.data.shape == (3, 6)
    assert load_image_folder(tmp_path, image_size=4).data.shape == (3, 16)


def test_unreadable_files_are_listed(tmp_path):
    _folder(tmp_path)
    bad1 = tmp_path / "cat" / "broken.png"
    bad1.write_bytes(b"not a png at all")
    bad2 = tmp_path / "dog" / "empty.jpg"
    bad2.write_bytes(b"")
    (tmp_path / "dog" / "notes.txt").write_text("ignored")
    with pytest.raises(ValueError, match="2 file") as info:
        load_image_folder(tmp_path)
    assert str(bad1) in str(info.value) and str(bad2) in str(info.value)


def test_single_class_or_none(tmp_path):
    with pytest.raises(ValueError, match="at least two.*found 0"):
        load_image_folder(tmp_path)
    _write(tmp_path / "only" / "a.png", np.zeros((2, 2), np.uint8))
    (tmp_path / "emptyclass").mkdir()
    with pytest.raises(ValueError, match="found 1 \\(only\\)"):
        load_image_folder(tmp_path)
    with pytest.raises(ValueError, match="not a folder"):
        load_image_folder(tmp_path / "missing")


def test_bad_image_size(tmp_path):
    with pytest.raises(ValueError, match="image_size"):
        load_image_folder(tmp_path, image_size=(0, 3))


def test_missing_pillow_names_pip_extra(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r'pip install "skcl\[images\]"'):
        load_image_folder(tmp_path)
