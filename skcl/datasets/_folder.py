"""Load a folder of images with one subfolder per class (needs Pillow)."""

import os

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_image_folder"]

_EXTENSIONS = {
    ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm"
}


def _import_pillow():
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "load_image_folder needs Pillow: install it with "
            '`pip install "skcl[images]"` (or `pip install pillow`).'
        ) from exc
    return Image


def _check_size(image_size):
    if image_size is None:
        return None
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    try:
        size = tuple(int(v) for v in image_size)
    except TypeError:
        size = ()
    if len(size) != 2 or min(size) < 1:
        raise ValueError(
            f"image_size must be None, an int or a (height, width) pair of "
            f"positive ints, got {image_size!r}."
        )
    return size


def load_image_folder(path, *, image_size=None, grayscale=True, return_X_y=False):
    """Load images stored as one subfolder per class.

    ``path/cat/001.png``, ``path/dog/xyz.jpg``, ...: the class of an image is
    the name of its subfolder. Files are read with Pillow (the optional extra
    ``images``); hidden files and files with other extensions are skipped.
    Nothing is downloaded.

    Parameters
    ----------
    path : str or path-like
        Root folder.
    image_size : int, (int, int) or None, default=None
        ``(height, width)`` every image is resized to (bilinear). None keeps
        the size of the images, which must then all be equal.
    grayscale : bool, default=True
        Convert to one channel ("L"); otherwise to RGB (3 channels).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n, h*w*c) float32 in ``[0, 1]``, ``target`` (n,) str class
        names, ``target_names`` (sorted), ``image_shape`` (``(h, w)`` in
        grayscale, ``(h, w, 3)`` in colour), ``filenames`` (n,) and
        ``DESCR``. Images are sorted by class, then by file name.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ImportError
        If Pillow is missing (the message names ``pip install "skcl[images]"``).
    ValueError
        If the folder has fewer than two classes or no images, if files
        cannot be read (all their paths are listed), or if sizes differ and
        ``image_size`` is None.

    See Also
    --------
    load_mnist : MNIST-format (IDX) files.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skcl.datasets import load_image_folder
    >>> root = tempfile.mkdtemp()
    >>> for label in ("a", "b"):
    ...     os.makedirs(os.path.join(root, label))
    ...     img = Image.fromarray(np.zeros((4, 6), dtype=np.uint8))
    ...     img.save(os.path.join(root, label, "0.png"))
    >>> folder = load_image_folder(root)
    >>> folder.data.shape, folder.image_shape, folder.target.tolist()
    ((2, 24), (4, 6), ['a', 'b'])
    """
    size = _check_size(image_size)
    Image = _import_pillow()
    root = os.fspath(path)
    if not os.path.isdir(root):
        raise ValueError(f"{root!r} is not a folder.")
    classes = sorted(
        d
        for d in os.listdir(root)
        if not d.startswith(".") and os.path.isdir(os.path.join(root, d))
    )
    files, labels = [], []
    for label in classes:
        folder = os.path.join(root, label)
        for name in sorted(os.listdir(folder)):
            full = os.path.join(folder, name)
            if name.startswith(".") or not os.path.isfile(full):
                continue
            if os.path.splitext(name)[1].lower() not in _EXTENSIONS:
                continue
            files.append(full)
            labels.append(label)
    found = sorted(set(labels))
    if len(found) < 2:
        raise ValueError(
            f"{root!r} must hold at least two class subfolders with images; "
            f"found {len(found)} ({', '.join(found) or 'none'})."
        )

    mode = "L" if grayscale else "RGB"
    arrays, bad, sizes = [], [], {}
    for full in files:
        try:
            with Image.open(full) as img:
                img = img.convert(mode)
                if size is not None and img.size != (size[1], size[0]):
                    img = img.resize((size[1], size[0]), Image.BILINEAR)
                arr = np.asarray(img, dtype=np.uint8)
        except Exception as exc:  # Pillow raises many kinds of errors
            bad.append(f"{full} ({type(exc).__name__})")
            continue
        sizes.setdefault(arr.shape[:2], full)
        arrays.append(arr)
    if bad:
        raise ValueError(
            f"{len(bad)} file(s) in {root!r} could not be read as images:\n  "
            + "\n  ".join(bad)
        )
    if len(sizes) > 1:
        listed = ", ".join(f"{s} ({f})" for s, f in list(sizes.items())[:5])
        raise ValueError(
            f"Images in {root!r} have different sizes: {listed}. Pass "
            "image_size=(height, width) to resize them."
        )
    images = np.stack(arrays).astype(np.float32) / np.float32(255.0)
    n = images.shape[0]
    h, w = images.shape[1:3]
    image_shape = (h, w) if grayscale else (h, w, 3)
    data = images.reshape(n, -1)
    target = np.asarray(labels)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=np.asarray(found),
        image_shape=image_shape,
        filenames=np.asarray(files),
        DESCR=f"{n} images of {h}x{w} pixels in {len(found)} classes from {root}.",
    )
