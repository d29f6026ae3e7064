"""Forgetting mitigation: replay buffers and consolidation penalties.

These are parameter objects of
:class:`~skcl.linear_model.ContinualSGDClassifier`::

    from skcl.mitigation import ClassBalancedReplay, EWCPenalty
    clf = ContinualSGDClassifier(replay=ClassBalancedReplay(max_size=200),
                                 consolidation=EWCPenalty(lambda_=100.0))
"""

from ._generative import GaussianReplay
from ._penalties import DistillationPenalty, EWCPenalty
from ._replay import ClassBalancedReplay, ReservoirReplay

__all__ = [
    "ClassBalancedReplay",
    "DistillationPenalty",
    "EWCPenalty",
    "GaussianReplay",
    "ReservoirReplay",
]
