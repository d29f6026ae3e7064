"""Softmax and the multinomial log loss (cross-entropy), vectorised."""

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import safe_sparse_dot


def linear_logits(X, coef, intercept):
    """Return ``X @ coef.T + intercept`` (dense, in ``coef``'s dtype)."""
    Z = safe_sparse_dot(X, coef.T, dense_output=True)
    Z += intercept
    return Z


def softmax_log_loss_grad(Z, y_index, sample_weight=None):
    """Turn logits into the gradient of the mean log loss, in place.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Logits; overwritten with ``(softmax(Z) - onehot(y)) * w / n``.
    y_index : ndarray of shape (n_samples,)
        Index of each sample's class in the columns of ``Z``.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights (already including class weights).

    Returns
    -------
    loss : float
        ``sum_i w_i * (logsumexp(Z_i) - Z_i[y_i]) / n``; NaN or inf when a
        logit is not finite.
    """
    n = Z.shape[0]
    rows = np.arange(n)
    Z -= Z.max(axis=1, keepdims=True)
    z_true = Z[rows, y_index]
    np.exp(Z, out=Z)
    norm = Z.sum(axis=1)
    losses = np.log(norm) - z_true
    Z /= norm[:, None]
    Z[rows, y_index] -= 1.0
    if sample_weight is None:
        Z *= 1.0 / n
        return float(losses.sum()) / n
    Z *= (sample_weight / n)[:, None].astype(Z.dtype, copy=False)
    return float(losses @ sample_weight) / n


def grad_coef(G, X):
    """Return ``G.T @ X`` of shape (n_classes, n_features), dense."""
    if sparse.issparse(X):
        return np.asarray((X.T @ G).T)
    return G.T @ X
