"""Reader and writer for IDX files (the MNIST format), gzip or plain."""

import gzip
import os

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_idx", "load_mnist", "save_idx"]

# IDX type codes -> big-endian numpy dtypes.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_DTYPE_CODES = {dt.newbyteorder("="): code for code, dt in _IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path):
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path}: corrupt gzip stream ({exc}).") from exc
    return raw


def load_idx(path):
    """Read an IDX (MNIST-format) file into a numpy array.

    Gzip compression is detected from the file's first bytes, not from its
    name.

    Parameters
    ----------
    path : str or path-like
        File to read.

    Returns
    -------
    array : ndarray
        The array stored in the file, in native byte order, with the shape
        given by its header (e.g. ``(n, 28, 28)`` uint8 for MNIST images).

    Raises
    ------
    ValueError
        If the magic number, the type code, the dimensions or the file
        length are invalid; the message names the file.

    See Also
    --------
    save_idx : Write an array as an IDX file.
    load_mnist : Images and labels as a Bunch.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skcl.datasets import load_idx, save_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> save_idx(np.array([3, 1, 4], dtype=np.uint8), path)
    >>> load_idx(path)
    array([3, 1, 4], dtype=uint8)
    """
    path = os.fspath(path)
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"{path}: not an IDX file (bad magic number {raw[:4].hex() or 'empty'};"
            " expected 0x0000 followed by a type code and the number of dims)."
        )
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(
            f"{path}: unknown IDX type code 0x{code:02x} (expected one of "
            f"{', '.join(f'0x{c:02x}' for c in _IDX_DTYPES)})."
        )
    if ndim < 1:
        raise ValueError(f"{path}: IDX header declares {ndim} dimensions.")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{path}: truncated IDX header ({len(raw)} bytes for {ndim} dims)."
        )
    shape = tuple(int(v) for v in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"{path}: file length {len(raw)} bytes does not match the header "
            f"(shape {shape}, dtype {dtype.name}: {expected} bytes expected)."
        )
    data = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def save_idx(array, path, *, compress=None):
    """Write an array as an IDX (MNIST-format) file.

    Parameters
    ----------
    array : array-like
        Array of dtype uint8, int8, int16, int32, float32 or float64, with at
        least one dimension.
    path : str or path-like
        Destination file.
    compress : bool or None, default=None
        Gzip the file. None compresses when ``path`` ends with ``.gz``.

    See Also
    --------
    load_idx : Read an IDX file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skcl.datasets import load_idx, save_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "images-idx3-ubyte")
    >>> save_idx(np.zeros((2, 3, 3), dtype=np.uint8), path)
    >>> load_idx(path).shape
    (2, 3, 3)
    """
    array = np.asarray(array)
    if array.ndim < 1 or array.ndim > 255:
        raise ValueError(f"IDX needs an array with 1 to 255 dims, got {array.ndim}.")
    native = array.dtype.newbyteorder("=")
    if native not in _DTYPE_CODES:
        raise ValueError(
            f"IDX cannot store dtype {array.dtype}; use uint8, int8, int16, "
            "int32, float32 or float64."
        )
    code = _DTYPE_CODES[native]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(
        array.shape, dtype=">u4"
    ).tobytes()
    payload = header + np.ascontiguousarray(array, dtype=_IDX_DTYPES[code]).tobytes()
    path = os.fspath(path)
    if compress is None:
        compress = path.endswith(".gz")
    if compress:
        payload = gzip.compress(payload)
    with open(path, "wb") as fh:
        fh.write(payload)


def load_mnist(images_path, labels_path, *, as_float=True):
    """Load MNIST-format images and labels from IDX files (no download).

    Parameters
    ----------
    images_path : str or path-like
        IDX file of ``(n, h, w)`` uint8 images (gzip or plain), e.g.
        ``train-images-idx3-ubyte.gz``.
    labels_path : str or path-like
        IDX file of ``(n,)`` labels.
    as_float : bool, default=True
        Return pixels as float32 in ``[0, 1]`` (divided by 255); False keeps
        the stored dtype.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n, h*w), ``images`` (n, h, w), ``target`` (n,) int64,
        ``target_names``, ``image_shape`` ``(h, w)`` and ``DESCR``.

    Raises
    ------
    ValueError
        If a file is not valid IDX or the counts of images and labels differ.

    See Also
    --------
    load_idx : Read one IDX file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skcl.datasets import load_mnist, save_idx
    >>> d = tempfile.mkdtemp()
    >>> save_idx(np.full((2, 28, 28), 255, np.uint8), os.path.join(d, "img.gz"))
    >>> save_idx(np.array([7, 2], np.uint8), os.path.join(d, "lbl.gz"))
    >>> mnist = load_mnist(os.path.join(d, "img.gz"), os.path.join(d, "lbl.gz"))
    >>> mnist.data.shape, float(mnist.data.max()), mnist.target.tolist()
    ((2, 784), 1.0, [7, 2])
    """
    images = load_idx(images_path)
    labels = load_idx(labels_path)
    if images.ndim != 3:
        raise ValueError(
            f"{os.fspath(images_path)}: expected (n, height, width) images, "
            f"got shape {images.shape}."
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"{os.fspath(labels_path)}: {labels.shape} labels for "
            f"{images.shape[0]} images in {os.fspath(images_path)}."
        )
    if as_float:
        scale = 255.0 if images.dtype == np.uint8 else 1.0
        images = images.astype(np.float32) / np.float32(scale)
    target = labels.astype(np.int64)
    n, h, w = images.shape
    return Bunch(
        data=images.reshape(n, h * w),
        images=images,
        target=target,
        target_names=np.unique(target),
        image_shape=(h, w),
        DESCR=(
            f"MNIST-format images read from {os.fspath(images_path)} "
            f"({n} images of {h}x{w} pixels)."
        ),
    )
