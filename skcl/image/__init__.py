"""Image transformers: crop/flip augmentation and patch k-means features.

Images are rows of a 2-D array ``(n_samples, h * w * c)``, flattened
row-major in ``(h, w, c)`` order, with an ``image_shape`` parameter;
``(n, h, w)`` and ``(n, h, w, c)`` arrays are accepted too.
"""

from ._augment import AugmentedViews, CenterCrop, RandomCrop, RandomHorizontalFlip
from ._features import PatchKMeansFeatures

__all__ = [
    "AugmentedViews",
    "CenterCrop",
    "PatchKMeansFeatures",
    "RandomCrop",
    "RandomHorizontalFlip",
]
