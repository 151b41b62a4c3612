"""Gradient clipping, another style: join every gradient into one vector, clip it, split it back."""
from __future__ import annotations

import numpy as np


def clip_by_global_norm(grads, max_norm, eps=1e-6):
    """Clip the joint 2-norm of grads to max_norm; (new arrays, norm before clipping)."""
    shapes = [np.shape(g) for g in grads]
    dtypes = [np.asarray(g).dtype for g in grads]
    flat = np.concatenate([np.ravel(g).astype(np.float64) for g in grads])   # (total_size,)
    total_norm = float(np.linalg.norm(flat))
    coef = min(1.0, max_norm / (total_norm + eps))     # torch clamps the coefficient at 1
    flat = flat * coef
    cuts = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]
    pieces = np.split(flat, cuts)
    return [p.reshape(s).astype(d) for p, s, d in zip(pieces, shapes, dtypes)], total_norm


def clip_by_value(grads, clip):
    """Clamp every element into [-clip, clip]; new arrays."""
    out = []
    for g in grads:
        g = np.asarray(g)
        out.append(np.where(g > clip, clip, np.where(g < -clip, -clip, g)).astype(g.dtype))
    return out
