import numpy as np
import pytest
from sklearn.datasets import load_digits

from skcl.datasets import load_digits_images


def test_bunch_fields():
    d = load_digits_images()
    raw = load_digits()
    assert d.data.shape == (1797, 64)
    assert d.images.shape == (1797, 8, 8)
    assert d.image_shape == (8, 8)
    assert 0.0 <= d.data.min() and d.data.max() == 1.0
    np.testing.assert_allclose(d.data * 16, raw.data)
    np.testing.assert_array_equal(d.images.reshape(-1, 64), d.data)
    np.testing.assert_array_equal(d.target, raw.target)
    assert list(d.target_names) == list(range(10))
    assert "digits" in d.DESCR.lower()


def test_return_X_y_and_n_class():
    X, y = load_digits_images(return_X_y=True, n_class=3)
    assert X.shape[1] == 64
    assert set(np.unique(y)) == {0, 1, 2}


def test_invalid_n_class():
    with pytest.raises(ValueError, match="n_class"):
        load_digits_images(n_class=11)
