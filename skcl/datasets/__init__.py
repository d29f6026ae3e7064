"""Image datasets that never download: bundled digits, IDX files, image folders."""

from ._digits import load_digits_images
from ._folder import load_image_folder
from ._idx import load_idx, load_mnist, save_idx

__all__ = [
    "load_digits_images",
    "load_idx",
    "load_image_folder",
    "load_mnist",
    "save_idx",
]
