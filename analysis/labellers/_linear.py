"""Deterministic linear classifiers in numpy: what the learned labellers fit and apply.

Full-batch Adam from zeros, no randomness, so rebuilding weights from the same data gives
the same bytes. Kept apart from any feature extractor so every learned labeller shares one
implementation.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _adam(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr: float) -> tuple[np.ndarray, ...]:
    m = 0.9 * m + 0.1 * grad
    v = 0.999 * v + 0.001 * grad * grad
    m_hat = m / (1 - 0.9**t)
    v_hat = v / (1 - 0.999**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + 1e-8), m, v


def train_logistic(x, y: np.ndarray, mask: np.ndarray, *, l2: float = 1e-4, steps: int = 2000, lr: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Independent binary logistic regressions (one per column of y), full batch, from zeros.

    `x` is a dense array or a scipy sparse matrix. `mask` (same shape as y) says which labels
    are known and doubles as a sample weight: a source without a label for a column adds
    nothing to that column's loss. Positives are up-weighted by the square root of the class
    ratio so rare acts are not ignored.
    """
    d = x.shape[1]
    k = y.shape[1]
    pos = (y * mask).sum(0)
    neg = ((1 - y) * mask).sum(0)
    pos_weight = np.sqrt(np.maximum(neg, 1) / np.maximum(pos, 1))
    sample_w = mask * np.where(y > 0, pos_weight, 1.0)
    norm = np.maximum(sample_w.sum(0), 1.0)
    w = np.zeros((d, k))
    b = np.zeros(k)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for t in range(1, steps + 1):
        p = sigmoid(np.asarray(x @ w) + b)
        g = (p - y) * sample_w / norm
        grad_w = np.asarray(x.T @ g) + l2 * w
        grad_b = g.sum(0)
        w, m_w, v_w = _adam(w, grad_w, m_w, v_w, t, lr * 0.02)
        b, m_b, v_b = _adam(b, grad_b, m_b, v_b, t, lr * 0.02)
    return w.astype(np.float32), b.astype(np.float32)


def train_softmax(x, labels: np.ndarray, classes: int, *, weights: np.ndarray | None = None, l2: float = 1e-4, steps: int = 2000, lr: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with balanced class weights, full batch, from zeros.

    `weights` (one per row) scales each row's loss; rows weighted 0 are ignored.
    """
    n, d = x.shape
    y = np.eye(classes)[labels]
    row_w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    counts = np.maximum((y * row_w[:, None]).sum(0), 1e-9)
    sample_w = (row_w.sum() / (classes * counts))[labels] * row_w
    sample_w = sample_w[:, None]
    total = max(float(row_w.sum()), 1.0)
    w = np.zeros((d, classes))
    b = np.zeros(classes)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for t in range(1, steps + 1):
        z = np.asarray(x @ w) + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - y) * sample_w / total
        w, m_w, v_w = _adam(w, np.asarray(x.T @ g) + l2 * w, m_w, v_w, t, lr * 0.02)
        b, m_b, v_b = _adam(b, g.sum(0), m_b, v_b, t, lr * 0.02)
    return w.astype(np.float32), b.astype(np.float32)
