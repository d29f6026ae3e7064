"""A scikit-learn Pipeline that learns from batches and augments in training.

:class:`Pipeline` subclasses :class:`sklearn.pipeline.Pipeline` and changes
little: resamplers (steps with ``fit_resample``, such as
:class:`skcl.image.AugmentedViews`) are applied while fitting and skipped at
prediction, and the pipeline gains ``partial_fit`` and ``end_task`` when its
final estimator has them.
"""

import copy
import inspect
import time

import numpy as np
from sklearn import pipeline as _sk_pipeline
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, check_memory

from skcl.base import is_augmenter
from skcl.utils._sklearn_compat import _fit_context, _num_samples

__all__ = ["Pipeline", "make_pipeline"]

def _final_estimator_has(attr):
    """Check, for ``available_if``, that the final estimator has ``attr``."""

    def check(self):
        getattr(self._final_estimator, attr)  # raises the original AttributeError
        return True

    return check


def _can_fit_transform(self):
    final = self._final_estimator
    return (
        final == "passthrough"
        or hasattr(final, "transform")
        or hasattr(final, "fit_transform")
    )


def _is_resampler(step):
    return not isinstance(step, str) and hasattr(step, "fit_resample")


def _accepts(method, name):
    """Whether ``method`` takes a keyword argument ``name`` (or ``**kwargs``)."""
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):  # builtins without a signature: be permissive
        return True
    return name in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )


def _is_fitted(step):
    try:
        check_is_fitted(step)
    except NotFittedError:
        return False
    return True


class _timed:
    """Print ``[Pipeline] <message>, total=...s`` when ``message`` is set."""

    def __init__(self, message):
        self.message = message

    def __enter__(self):
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        if self.message is not None:
            elapsed = time.perf_counter() - self.start
            print(f"[Pipeline] {self.message}, total={elapsed:5.1f}s")


def _fit_transform_step(transformer, X, y, params):
    """Fit one intermediate transformer and transform ``X`` (cacheable)."""
    if hasattr(transformer, "fit_transform"):
        Xt = transformer.fit_transform(X, y, **params.get("fit_transform", {}))
    else:
        Xt = transformer.fit(X, y, **params.get("fit", {})).transform(
            X, **params.get("transform", {})
        )
    return Xt, transformer


def _fit_resample_step(resampler, X, y, params):
    """Resample ``X, y`` with one resampler (cacheable)."""
    kwargs = params.get("fit_resample", params.get("fit", {}))
    Xt, yt = resampler.fit_resample(X, y, **kwargs)
    return Xt, yt, resampler


def _trace(indices, resampler, name):
    """Compose the row provenance ``indices`` with one resampling step.

    ``indices[i]`` is the input row of the pipeline that row ``i`` comes from
    (``None`` means the identity, a ``("untraceable", step_name)`` tuple that
    a resampler did not say). A resampler reports it through
    ``sample_indices_``, as imbalanced-learn's samplers do.
    """
    if isinstance(indices, tuple):  # already untraceable
        return indices
    sample_indices = getattr(resampler, "sample_indices_", None)
    if sample_indices is None:
        return ("untraceable", name)
    sample_indices = np.asarray(sample_indices)
    return sample_indices if indices is None else indices[sample_indices]


def _untraceable_error(name):
    return ValueError(
        f"sample_weight cannot follow the rows made by the resampler step "
        f"{name!r}: it does not record which input row each output row comes "
        f"from. Give the resampler a `sample_indices_` attribute (the source "
        f"row of every output row, as imbalanced-learn samplers do), or do not "
        f"pass sample_weight."
    )


def _check_weights_can_follow(indices, name, later_params):
    """Raise once resampler ``name`` lost the row provenance that weights need.

    ``later_params`` are the params of the steps after it; raising here,
    before they learn, leaves them untouched.
    """
    if isinstance(indices, tuple) and any(_has_weight(p) for p in later_params):
        raise _untraceable_error(name)


def _has_weight(params):
    """Whether (possibly nested) step params contain a ``sample_weight``."""
    return any(
        (key == "sample_weight" and value is not None)
        or (isinstance(value, dict) and _has_weight(value))
        for key, value in params.items()
    )


def _resample_weight(sample_weight, indices):
    """Select the weights of the rows described by ``indices``."""
    if sample_weight is None or indices is None:
        return sample_weight
    if isinstance(indices, tuple):
        raise _untraceable_error(indices[1])
    return np.asarray(sample_weight)[indices]


def _resample_params(params, indices):
    """Apply ``_resample_weight`` to every ``sample_weight`` in routed params."""
    if indices is None:
        return params
    out = {}
    for key, value in params.items():
        if isinstance(value, dict):
            out[key] = _resample_params(value, indices)
        elif key == "sample_weight":
            out[key] = _resample_weight(value, indices)
        else:
            out[key] = value
    return out


class Pipeline(_sk_pipeline.Pipeline):
    """A scikit-learn Pipeline with resamplers, ``partial_fit`` and ``end_task``.

    A drop-in subclass of :class:`sklearn.pipeline.Pipeline` (same
    parameters, methods, metadata routing, slicing and ``set_output``) for
    continual learning:

    - **Resamplers**: intermediate steps with ``fit_resample(X, y)`` (for
      example :class:`skcl.image.AugmentedViews`, several augmented views per
      sample with ``y`` repeated) are applied in ``fit``, ``fit_transform``,
      ``fit_predict`` and ``partial_fit``, with ``X`` *and* ``y`` carried to
      the next step, and skipped by ``predict``, ``transform``, ``score`` and
      the other inference methods, as in imbalanced-learn.
    - ``partial_fit`` learns from one batch: augmenters apply their training
      path, incremental transformers ``partial_fit``, fitted, frozen and
      stateless transformers only ``transform``; the final estimator gets
      ``partial_fit``. It exists only if the final estimator has it.
    - ``end_task`` tells the final estimator that a task is over.

    Parameters
    ----------
    steps : list of tuples
        List of ``(name, estimator)`` tuples, chained in order. Intermediate
        steps are transformers (``fit``/``transform``), augmenters or
        resamplers (``fit_resample`` and no ``transform``); any of them may be
        ``"passthrough"`` or None. The last step is an estimator.
    transform_input : list of str, default=None
        Names of metadata transformed by the preceding steps before reaching
        a step (needs metadata routing), as in scikit-learn. Not supported
        together with resamplers.
    memory : str or object with the joblib.Memory interface, default=None
        Cache the fitted transformers and resamplers of ``fit``.
    verbose : bool, default=False
        Print the time taken by each step of ``fit``.

    Attributes
    ----------
    named_steps : :class:`~sklearn.utils.Bunch`
        Read-only access to the steps by name.
    classes_ : ndarray of shape (n_classes,)
        The classes of the final estimator, if it is a classifier.
    n_features_in_ : int
        Number of features seen by the first step.

    See Also
    --------
    make_pipeline : Build a :class:`Pipeline` with automatic step names.
    sklearn.pipeline.Pipeline : The parent class.
    skcl.base.AugmenterMixin : Marks training-only augmenting transformers.

    Notes
    -----
    **Augmentation breaks an equivalence on purpose.** An augmenter (a step
    inheriting :class:`skcl.base.AugmenterMixin`, e.g.
    :class:`skcl.image.RandomCrop`) returns random views from
    ``fit_transform`` (the training path, taken by ``fit`` and
    ``partial_fit``) and a deterministic view from ``transform`` (the path of
    ``predict``, ``score`` and ``transform``). A resampler changes the number
    of rows and is ignored at inference. So, for such pipelines,
    ``pipe.fit_transform(X, y)`` is *not* equal to
    ``pipe.fit(X, y).transform(X)``: training sees augmented (and possibly
    more) samples, prediction sees the plain ones. Likewise, two ``fit``
    calls with an unseeded augmenter give different models. This is the same
    caveat as imbalanced-learn's Pipeline, whose samplers run only in
    ``fit``.

    **partial_fit, step by step** (for each intermediate step, in order):

    ====================================  ====================================
    step                                  what ``partial_fit`` does
    ====================================  ====================================
    augmenter (``is_augmenter``)          ``fit_transform`` (fresh random
                                          views of every batch)
    resampler (``fit_resample``)          ``fit_resample`` the batch, weights
                                          follow ``sample_indices_``
    :class:`~sklearn.frozen.FrozenEstimator`  ``transform`` (never learns)
    has ``partial_fit``                   ``partial_fit`` then ``transform``
    stateless (tag ``requires_fit=False``)  ``transform`` (``fit`` once if it
                                          has not seen data)
    fitted                                ``transform`` (kept as it is)
    anything else                         :class:`TypeError` naming the step
    ====================================  ====================================

    Every step is checked before any of them learns, so a rejected call
    leaves the pipeline as it was. ``sample_weight`` goes to the final
    estimator only (as in ``fit``); pass ``<step>__sample_weight`` to give
    weights to an intermediate step. After a resampler, weights are selected
    with the resampler's ``sample_indices_`` (imbalanced-learn's convention,
    the source row of every output row); a resampler without it cannot carry
    weights and ``sample_weight`` then raises a :class:`ValueError`.

    Metadata routing (``sklearn.set_config(enable_metadata_routing=True)``)
    covers the transformers and the final estimator as in scikit-learn;
    resamplers are not part of the router.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcl.pipeline import make_pipeline
    >>> X, y = load_digits(return_X_y=True)
    >>> pipe = make_pipeline(
    ...     StandardScaler(), SGDClassifier(loss="log_loss", random_state=0)
    ... )
    >>> for X_batch, y_batch in zip(np.array_split(X[:1500], 5),
    ...                             np.array_split(y[:1500], 5)):
    ...     pipe = pipe.partial_fit(X_batch, y_batch, classes=np.arange(10))
    >>> int(pipe.named_steps["standardscaler"].n_samples_seen_)
    1500
    >>> round(pipe.score(X[1500:], y[1500:]), 1)
    0.9
    """

    # ------------------------------------------------------------------
    # overrides
    # ------------------------------------------------------------------

    def _validate_steps(self):
        """Let resamplers through scikit-learn's check of intermediate steps."""
        if not self.steps:
            raise ValueError("The pipeline is empty. Please add steps.")
        steps = list(self.steps)
        for name, step in steps[:-1]:
            if _is_resampler(step) and hasattr(step, "transform"):
                raise TypeError(
                    f"Step {name!r} ({type(step).__name__}) implements both "
                    f"fit_resample and transform; an intermediate step must be "
                    f"either a resampler or a transformer."
                )
        # sklearn requires `transform` on intermediate steps: run its checks
        # on a shallow copy where resamplers are shown as 'passthrough'.
        view = copy.copy(self)
        view.steps = [
            (name, "passthrough" if _is_resampler(step) else step)
            for name, step in steps[:-1]
        ] + steps[-1:]
        super(Pipeline, view)._validate_steps()

    def _iter(self, with_final=True, filter_passthrough=True, filter_resample=True):
        """Generate ``(idx, name, step)``; resamplers are left out by default.

        Every inference method of the parent class (``predict``, ``transform``,
        ``score``, ...) and its metadata router go through here, which is
        how resamplers are skipped at prediction.
        """
        it = super()._iter(with_final, filter_passthrough)
        if filter_resample:
            return (item for item in it if not _is_resampler(item[2]))
        return it

    def _has_resampler(self):
        return any(_is_resampler(step) for _, step in list(self.steps)[:-1])

    def _fit_resampled(self, X, y, method, params):
        """Fit the intermediate steps, carrying ``y`` through resamplers.

        Returns ``(Xt, yt, indices, routed_params)``, ``indices`` being the
        provenance of the rows (see ``_trace``), used to select sample
        weights downstream.
        """
        if self.transform_input is not None:
            raise ValueError(
                "transform_input cannot be used in a Pipeline with resamplers: "
                "the sub-pipeline that transforms the metadata skips them."
            )
        routed_params = self._check_method_params(method=method, props=params)
        self.steps = list(self.steps)
        self._validate_steps()
        memory = check_memory(self.memory)
        transform_cached = memory.cache(_fit_transform_step)
        resample_cached = memory.cache(_fit_resample_step)
        indices = None
        for step_idx, name, step in self._iter(
            with_final=False, filter_passthrough=False, filter_resample=False
        ):
            with _timed(self._log_message(step_idx)):
                if step is None or step == "passthrough":
                    continue
                if getattr(memory, "location", None) is not None:
                    step = clone(step)
                params = routed_params.get(name) or {}
                params = _resample_params(params, indices)
                if _is_resampler(step):
                    X, y, step = resample_cached(step, X, y, params)
                    indices = _trace(indices, step, name)
                    _check_weights_can_follow(
                        indices,
                        name,
                        [
                            routed_params.get(later) or {}
                            for later, _ in self.steps[step_idx + 1 :]
                        ],
                    )
                else:
                    X, step = transform_cached(step, X, y, params)
            self.steps[step_idx] = (name, step)
        return X, y, indices, routed_params

    def _final_params(self, routed_params, method, indices):
        params = routed_params.get(self.steps[-1][0]) or {}
        params = _resample_params(params, indices)
        return params.get(method, {})

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, **params):
        """Fit the steps one after the other, then the final estimator.

        Transformers and augmenters are fitted with ``fit_transform`` (the
        training path), resamplers with ``fit_resample`` (``X`` and ``y``
        carried forward).

        Parameters
        ----------
        X : iterable
            Training data, as the first step expects it.
        y : iterable, default=None
            Training targets.
        **params : dict of str -> object
            ``<step>__<param>`` keys passed to the ``fit`` of that step or,
            with metadata routing enabled, metadata requested by the steps.
            A ``sample_weight`` given to a step after a resampler is selected
            with the resampler's ``sample_indices_``.

        Returns
        -------
        self : Pipeline
            This pipeline, fitted.
        """
        if not self._has_resampler():
            # Exactly scikit-learn's fit (routing, memory, callbacks).
            return super().fit(X, y, **params)
        Xt, yt, indices, routed_params = self._fit_resampled(X, y, "fit", params)
        with _timed(self._log_message(len(self.steps) - 1)):
            if self._final_estimator != "passthrough":
                self._final_estimator.fit(
                    Xt, yt, **self._final_params(routed_params, "fit", indices)
                )
        return self

    @available_if(_can_fit_transform)
    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None, **params):
        """Fit the pipeline and return the training-path output of the last step.

        With augmenters or resamplers the result is *not*
        ``fit(X, y).transform(X)`` (see Notes of :class:`Pipeline`): it is
        what the final step was fitted on, possibly with more rows than ``X``.

        Parameters
        ----------
        X : iterable
            Training data, as the first step expects it.
        y : iterable, default=None
            Training targets.
        **params : dict of str -> object
            Step parameters, as in :meth:`fit`.

        Returns
        -------
        Xt : ndarray of shape (n_rows, n_transformed_features)
            Transformed samples.
        """
        if not self._has_resampler():
            return super().fit_transform(X, y, **params)
        Xt, yt, indices, routed_params = self._fit_resampled(
            X, y, "fit_transform", params
        )
        last_step = self._final_estimator
        with _timed(self._log_message(len(self.steps) - 1)):
            if last_step == "passthrough":
                return Xt
            if hasattr(last_step, "fit_transform"):
                kw = self._final_params(routed_params, "fit_transform", indices)
                return last_step.fit_transform(Xt, yt, **kw)
            kw = self._final_params(routed_params, "fit", indices)
            return last_step.fit(Xt, yt, **kw).transform(Xt)

    @available_if(_final_estimator_has("fit_predict"))
    @_fit_context(prefer_skip_nested_validation=False)
    def fit_predict(self, X, y=None, **params):
        """Fit the pipeline and return ``fit_predict`` of the final estimator.

        Parameters
        ----------
        X : iterable
            Training data, as the first step expects it.
        y : iterable, default=None
            Training targets.
        **params : dict of str -> object
            Step parameters, as in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray
            Predictions for the (possibly resampled) training rows.
        """
        if not self._has_resampler():
            return super().fit_predict(X, y, **params)
        Xt, yt, indices, routed_params = self._fit_resampled(
            X, y, "fit_predict", params
        )
        kw = self._final_params(routed_params, "fit_predict", indices)
        with _timed(self._log_message(len(self.steps) - 1)):
            return self._final_estimator.fit_predict(Xt, yt, **kw)

    # ------------------------------------------------------------------
    # incremental learning
    # ------------------------------------------------------------------

    def _partial_fit_plan(self):
        """Decide what ``partial_fit`` does with each intermediate step.

        Raises before anything is modified if a step cannot take part.
        """
        self._validate_steps()
        plan = []
        for step_idx, name, step in self._iter(
            with_final=False, filter_passthrough=True, filter_resample=False
        ):
            if is_augmenter(step):
                action = "augment"
            elif _is_resampler(step):
                action = "resample"
            elif isinstance(step, FrozenEstimator):
                if not (_is_fitted(step) or not get_tags(step).requires_fit):
                    raise TypeError(
                        f"Step {name!r} is a FrozenEstimator around an unfitted "
                        f"{type(step.estimator).__name__}: fit the estimator "
                        f"before freezing it."
                    )
                action = "transform"
            elif hasattr(step, "partial_fit"):
                action = "partial_fit"
            elif not get_tags(step).requires_fit:
                action = "stateless"
            elif _is_fitted(step):
                action = "transform"
            else:
                raise TypeError(
                    f"Step {name!r} ({type(step).__name__}) can neither learn "
                    f"incrementally (it has no partial_fit) nor is it fitted, so "
                    f"Pipeline.partial_fit cannot use it. Either fit it first "
                    f"(e.g. on a first batch or on unlabeled data) and, to keep "
                    f"it fixed, wrap it in sklearn.frozen.FrozenEstimator, or "
                    f"replace it with an incremental transformer (one with "
                    f"partial_fit, e.g. IncrementalPCA or MiniBatchKMeans)."
                )
            plan.append((step_idx, name, step, action))
        return plan

    def _split_step_params(self, params):
        names = {name for name, _ in self.steps}
        per_step = {name: {} for name in names}
        for key, value in params.items():
            step, sep, param = key.partition("__")
            if not sep or step not in names:
                raise ValueError(
                    f"Pipeline.partial_fit does not accept the parameter {key!r}. "
                    f"Pass parameters to a step as <step>__<parameter>, e.g. "
                    f"{self.steps[-1][0]}__sample_weight; the steps are "
                    f"{[name for name, _ in self.steps]}."
                )
            per_step[step][param] = value
        return per_step

    @available_if(_final_estimator_has("partial_fit"))
    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y=None, classes=None, sample_weight=None, **params):
        """Learn from one batch, step by step, without forgetting the past.

        Each intermediate step is applied according to its kind (see Notes
        of :class:`Pipeline`): augmenters draw fresh random views of the
        batch, resamplers resample it, incremental transformers
        ``partial_fit`` then ``transform``, fitted, frozen and stateless
        transformers ``transform``. The final estimator then gets
        ``partial_fit(Xt, yt, classes=classes, sample_weight=sample_weight)``.
        Only available if the final estimator has ``partial_fit``.

        Parameters
        ----------
        X : iterable
            One batch of training data, as the first step expects it.
        y : iterable, default=None
            Targets of the batch.
        classes : array-like of shape (n_classes,), default=None
            All the classes, passed to the final estimator's ``partial_fit``
            only when given (scikit-learn's classifiers need it on the first
            call; :class:`skcl.linear_model.ContinualSGDClassifier` does not).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples of the batch, given to the final estimator
            (repeated along the rows that resamplers add).
        **params : dict of str -> object
            ``<step>__<param>`` keys passed to that step's training call
            (``partial_fit``, ``fit_transform`` or ``fit_resample``).

        Returns
        -------
        self : Pipeline
            This pipeline, updated.

        Raises
        ------
        TypeError
            If a step can neither learn incrementally nor is fitted, or if
            ``classes`` is given and the final estimator does not accept it.
        ValueError
            If ``sample_weight`` has the wrong length or cannot follow the
            rows of a resampler.
        """
        # --- validate everything before any step learns -------------------
        plan = self._partial_fit_plan()
        step_params = self._split_step_params(params)
        final_name, final = self.steps[-1]
        final_kw = dict(step_params[final_name])
        if classes is not None:
            if not _accepts(final.partial_fit, "classes"):
                raise TypeError(
                    f"classes was given but {type(final).__name__}.partial_fit "
                    f"(the final step {final_name!r}) does not accept it."
                )
            final_kw["classes"] = classes
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            if sample_weight.ndim != 1 or len(sample_weight) != _num_samples(X):
                raise ValueError(
                    f"sample_weight must be 1-D with one weight per sample: got "
                    f"shape {sample_weight.shape} for {_num_samples(X)} samples."
                )
            if "sample_weight" in final_kw:
                raise ValueError(
                    f"sample_weight was given twice, as sample_weight and as "
                    f"{final_name}__sample_weight."
                )
            if not _accepts(final.partial_fit, "sample_weight"):
                raise TypeError(
                    f"sample_weight was given but {type(final).__name__}."
                    f"partial_fit (the final step {final_name!r}) does not "
                    f"accept it."
                )
            final_kw["sample_weight"] = sample_weight

        # --- learn ------------------------------------------------------
        Xt, yt, indices = X, y, None
        for position, (_, name, step, action) in enumerate(plan):
            kw = _resample_params(step_params[name], indices)
            if action == "augment":
                Xt = step.fit_transform(Xt, yt, **kw)
            elif action == "resample":
                Xt, yt = step.fit_resample(Xt, yt, **kw)
                indices = _trace(indices, step, name)
                _check_weights_can_follow(
                    indices,
                    name,
                    [step_params[p[1]] for p in plan[position + 1 :]] + [final_kw],
                )
            elif action == "partial_fit":
                step.partial_fit(Xt, yt, **kw)
                Xt = step.transform(Xt)
            elif action == "stateless" and not hasattr(step, "n_features_in_"):
                Xt = step.fit(Xt, yt, **kw).transform(Xt)
            else:
                Xt = step.transform(Xt)
        final.partial_fit(Xt, yt, **_resample_params(final_kw, indices))
        return self

    @available_if(_final_estimator_has("end_task"))
    def end_task(self, X=None, y=None):
        """Tell the final estimator that the current task is over.

        ``X`` (if given) goes through the intermediate steps' ``transform``
        (the deterministic prediction path; resamplers are skipped), then
        ``end_task(Xt, y)`` of the final estimator is called. Only available
        if the final estimator has ``end_task``.

        Parameters
        ----------
        X : iterable, default=None
            Data of the task that just ended (e.g. to estimate parameter
            importances), as the first step expects it.
        y : iterable, default=None
            Its targets.

        Returns
        -------
        self : Pipeline
            This pipeline.
        """
        Xt = X
        if X is not None:
            for _, _, step in self._iter(with_final=False):
                Xt = step.transform(Xt)
        self._final_estimator.end_task(Xt, y)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            steps = [step for _, step in self.steps]
        except (TypeError, ValueError):
            return tags
        if any(is_augmenter(step) or _is_resampler(step) for step in steps[:-1]):
            tags.non_deterministic = True
        return tags


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`Pipeline`, naming each step after its class in lowercase.

    Parameters
    ----------
    *steps : list of estimators
        Transformers, augmenters, resamplers and a final estimator, in order.
    memory : str or object with the joblib.Memory interface, default=None
        Cache the fitted transformers of ``fit``.
    transform_input : list of str, default=None
        Metadata transformed by the preceding steps (see
        :class:`sklearn.pipeline.Pipeline`).
    verbose : bool, default=False
        Print the time taken by each step of ``fit``.

    Returns
    -------
    p : Pipeline
        A :class:`skcl.pipeline.Pipeline`.

    See Also
    --------
    Pipeline : The class built here.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcl.pipeline import make_pipeline
    >>> make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss"))
    Pipeline(steps=[('standardscaler', StandardScaler()),
                    ('sgdclassifier', SGDClassifier(loss='log_loss'))])
    """
    names = [name for name, _ in _sk_pipeline.make_pipeline(*steps).steps]
    return Pipeline(
        list(zip(names, steps)),
        memory=memory,
        transform_input=transform_input,
        verbose=verbose,
    )
