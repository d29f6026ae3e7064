import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcl.datasets import load_idx, load_mnist, save_idx


@settings(max_examples=30, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    dtype=st.sampled_from(["uint8", "int8", "int16", "int32", "float32", "float64"]),
    compress=st.booleans(),
)
def test_round_trip(tmp_path_factory, shape, dtype, compress):
    path = tmp_path_factory.mktemp("idx") / "a.idx"
    arr = (np.arange(np.prod(shape)) % 100).reshape(shape).astype(dtype)
    save_idx(arr, path, compress=compress)
    out = load_idx(path)
    assert out.dtype == arr.dtype and out.dtype.isnative
    np.testing.assert_array_equal(out, arr)


def test_gzip_detected_by_magic_bytes_not_extension(tmp_path):
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
    plain_named_gz = tmp_path / "plain.gz"
    save_idx(arr, plain_named_gz, compress=False)
    gz_named_plain = tmp_path / "packed.idx"
    save_idx(arr, gz_named_plain, compress=True)
    assert gz_named_plain.read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(load_idx(plain_named_gz), arr)
    np.testing.assert_array_equal(load_idx(gz_named_plain), arr)


def test_header_is_mnist_layout(tmp_path):
    path = tmp_path / "x"
    save_idx(np.zeros((2, 28, 28), np.uint8), path)
    raw = path.read_bytes()
    assert raw[:4] == b"\x00\x00\x08\x03"
    assert int.from_bytes(raw[4:8], "big") == 2
    assert len(raw) == 16 + 2 * 784


@pytest.mark.parametrize(
    "payload, match",
    [
        (b"\x01\x02\x08\x01" + (3).to_bytes(4, "big") + b"abc", "magic number"),
        (b"\x00\x00\x07\x01" + (3).to_bytes(4, "big") + b"abc", "type code 0x07"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (b"\x00\x00\x08\x02" + (3).to_bytes(4, "big"), "truncated"),
        (b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + b"ab", "file length 10"),
        (b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + b"abcd", "does not match"),
        (b"", "magic number"),
    ],
)
def test_invalid_files_name_the_file(tmp_path, payload, match):
    path = tmp_path / "bad-file.idx"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match=match) as info:
        load_idx(path)
    assert "bad-file.idx" in str(info.value)
    gz = tmp_path / "bad-file2.gz"
    gz.write_bytes(gzip.compress(payload))
    with pytest.raises(ValueError, match="bad-file2.gz"):
        load_idx(gz)


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "broken.gz"
    path.write_bytes(b"\x1f\x8b" + b"garbage" * 3)
    with pytest.raises(ValueError, match="broken.gz.*gzip"):
        load_idx(path)


def test_save_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match="dtype"):
        save_idx(np.zeros(3, dtype=np.int64), tmp_path / "x")


def test_load_mnist(tmp_path):
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(6, 28, 28)).astype(np.uint8)
    images[0, 0, 0] = 255
    labels = np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8)
    save_idx(images, tmp_path / "images-idx3-ubyte.gz")
    save_idx(labels, tmp_path / "labels-idx1-ubyte.gz")
    m = load_mnist(tmp_path / "images-idx3-ubyte.gz", tmp_path / "labels-idx1-ubyte.gz")
    assert m.data.shape == (6, 784) and m.data.dtype == np.float32
    assert m.images.shape == (6, 28, 28)
    assert m.image_shape == (28, 28)
    assert m.data.max() == 1.0 and m.data.min() >= 0.0
    np.testing.assert_allclose(m.data[1], images[1].ravel() / 255.0, rtol=1e-6)
    assert m.target.tolist() == labels.tolist()
    raw = load_mnist(
        tmp_path / "images-idx3-ubyte.gz", tmp_path / "labels-idx1-ubyte.gz",
        as_float=False,
    )
    assert raw.data.dtype == np.uint8


def test_load_mnist_count_mismatch(tmp_path):
    save_idx(np.zeros((3, 4, 4), np.uint8), tmp_path / "img")
    save_idx(np.zeros(2, np.uint8), tmp_path / "lbl")
    with pytest.raises(ValueError, match="lbl.*3 images"):
        load_mnist(tmp_path / "img", tmp_path / "lbl")
    with pytest.raises(ValueError, match="height, width"):
        load_mnist(tmp_path / "lbl", tmp_path / "lbl")
