"""Fused, numerically stable losses on logits, with their gradient with respect to the logits.

``softmax_cross_entropy`` is ``torch.nn.functional.cross_entropy`` on NumPy arrays: the
log-probabilities come from the compiled ``fastact.log_softmax`` kernel (exact for any finite
logits, 1e30 included), the gradient is ``softmax(logits) * sum(target) - target`` (softmax
from ``fastact.softmax``; ``softmax - target`` when the target sums to 1). ``sigmoid_binary_
cross_entropy`` is ``binary_cross_entropy_with_logits``, from ``fastact.logsigmoid`` of x and
-x (no exp overflows, no cancellation) and ``fastact.sigmoid``.

Both return the loss (a NumPy scalar of the logits' dtype for reduction "mean" and "sum", an
array for "none"), or ``(loss, grad)`` with ``return_grad=True``: grad is d loss / d logits, of
the logits' shape and dtype ("mean" divides it by the number of terms averaged, as autograd
does; for "none" it is each term's gradient with respect to its own logits, i.e. the gradient
of the sum). float32 and float64 logits are computed in their dtype (sums accumulate in float64);
bool and integer logits in float64, float16 in float32.

Where a target weight is exactly 0, its term is 0 even if the log-probability is -inf (0 log 0
= 0): probability labels with zeros next to -inf logits, or a BCE target of 1 at a logit of
-inf, give finite losses (PyTorch gives NaN there).
"""
import numbers
from typing import Any, Literal, Optional, Tuple, Union, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["softmax_cross_entropy", "sigmoid_binary_cross_entropy"]

REDUCTIONS = ("mean", "sum", "none")


def _logits(logits: ArrayLike, min_dims: int) -> NDArray[Any]:
    x = np.asarray(logits)
    if x.dtype.kind in "biu":
        x = x.astype(np.float64)
    elif x.dtype == np.float16:
        x = x.astype(np.float32)
    elif x.dtype not in (np.float32, np.float64):
        raise TypeError("logits: expected real numbers (float32 or float64), got dtype %s"
                        % x.dtype)
    if x.ndim < min_dims:
        raise ValueError("logits: needs at least %d dimension (the classes), got shape %r"
                         % (min_dims, x.shape))
    return x


def _reduction(reduction: Any) -> Any:
    if reduction not in REDUCTIONS:
        raise ValueError("reduction: expected 'mean', 'sum' or 'none', got %r" % (reduction,))
    return reduction


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError("%s: expected True or False, got %r" % (what, value))
    return bool(value)


def _reduce(terms: NDArray[Any], reduction: str, dtype: Any) -> Any:
    if reduction == "none":
        return terms
    total = terms.sum(dtype=np.float64)
    if reduction == "mean":
        total = total / terms.size if terms.size else np.float64(np.nan)
    return dtype.type(total)


_Reduction = Literal["mean", "sum", "none"]


@overload
def softmax_cross_entropy(logits: ArrayLike, labels: ArrayLike, *, axis: int = ...,
                          reduction: _Reduction = ..., label_smoothing: float = ...,
                          return_grad: Literal[False] = ...) -> Any: ...
@overload
def softmax_cross_entropy(logits: ArrayLike, labels: ArrayLike, *, axis: int = ...,
                          reduction: _Reduction = ..., label_smoothing: float = ...,
                          return_grad: Literal[True]) -> Tuple[Any, NDArray[Any]]: ...


def softmax_cross_entropy(logits: ArrayLike, labels: ArrayLike, *, axis: int = -1,
                          reduction: _Reduction = "mean", label_smoothing: float = 0.0,
                          return_grad: bool = False) -> Union[Any, Tuple[Any, NDArray[Any]]]:
    """Cross-entropy of softmax(logits) along ``axis`` against labels, as
    ``torch.nn.functional.cross_entropy(logits, labels, reduction=..., label_smoothing=...)``.

    labels: integer class indices in [0, C) of the shape of logits without ``axis`` (C =
    logits.shape[axis]), or class probabilities (floats) of the shape of logits.
    label_smoothing in [0, 1]: the target becomes (1 - s) * target + s / C.
    Returns the loss, or (loss, d loss / d logits) with return_grad=True.
    """
    import fastact

    x = _logits(logits, 1)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError("axis: expected an int, got %s" % type(axis).__name__)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError("axis: %d is out of range for logits of %d dimensions"
                         % (axis, x.ndim))
    axis = int(axis) % x.ndim
    reduction = _reduction(reduction)
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real):
        raise TypeError("label_smoothing: expected a real number in [0, 1], got %r"
                        % (label_smoothing,))
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError("label_smoothing: must be in [0, 1], got %r" % (label_smoothing,))
    return_grad = _flag(return_grad, "return_grad")
    n_classes = x.shape[axis]
    if n_classes < 1:
        raise ValueError("logits: the class axis %d is empty" % axis)
    batch = x.shape[:axis] + x.shape[axis + 1:]

    lab = np.asarray(labels)
    if lab.dtype.kind in "iu":
        if lab.shape != batch:
            raise ValueError(
                "labels: integer class indices need the shape of logits without axis %d, %r, "
                "got %r (class probabilities: a float array of the logits' shape %r)"
                % (axis, batch, lab.shape, x.shape))
        if lab.size and (lab.min() < 0 or lab.max() >= n_classes):
            raise ValueError("labels: class indices must be in [0, %d) (logits.shape[%d] = "
                             "%d), got values from %d to %d"
                             % (n_classes, axis, n_classes, lab.min(), lab.max()))
        index = np.expand_dims(lab.astype(np.intp, copy=False), axis)
        target = None
    elif lab.dtype.kind == "f":
        if lab.shape != x.shape:
            hint = (" (class indices must be an integer array)" if lab.shape == batch else "")
            raise ValueError("labels: float labels are class probabilities of the logits' "
                             "shape %r, got %r%s" % (x.shape, lab.shape, hint))
        target = lab.astype(x.dtype, copy=False)
        if eps:
            target = target * x.dtype.type(1.0 - eps) + x.dtype.type(eps / n_classes)
        index = None
    else:
        raise TypeError("labels: expected integer class indices or float class "
                        "probabilities, got dtype %s" % lab.dtype)

    with np.errstate(invalid="ignore", over="ignore"):
        logp = fastact.log_softmax(x, axis=axis)
        if index is not None:
            terms = -np.take_along_axis(logp, index, axis).squeeze(axis)
            if eps:
                smooth = -logp.sum(axis=axis, dtype=np.float64) / n_classes
                terms = (terms * (1.0 - eps) + smooth * eps).astype(x.dtype)
        else:
            prod = np.multiply(target, logp)
            prod[target == 0] = 0.0  # 0 * log(0) = 0
            terms = -prod.sum(axis=axis, dtype=np.float64).astype(x.dtype)
        loss = _reduce(terms, reduction, x.dtype)
        if not return_grad:
            return loss
        grad = fastact.softmax(x, axis=axis)
        if index is not None:
            picked = np.take_along_axis(grad, index, axis) - x.dtype.type(1.0 - eps)
            np.put_along_axis(grad, index, picked, axis)
            if eps:
                grad -= x.dtype.type(eps / n_classes)
        else:
            grad *= target.sum(axis=axis, keepdims=True)
            grad -= target
        if reduction == "mean" and terms.size:
            grad *= x.dtype.type(1.0 / terms.size)
    return loss, grad


@overload
def sigmoid_binary_cross_entropy(logits: ArrayLike, targets: ArrayLike, *,
                                 reduction: _Reduction = ...,
                                 pos_weight: Optional[ArrayLike] = ...,
                                 return_grad: Literal[False] = ...) -> Any: ...
@overload
def sigmoid_binary_cross_entropy(logits: ArrayLike, targets: ArrayLike, *,
                                 reduction: _Reduction = ...,
                                 pos_weight: Optional[ArrayLike] = ...,
                                 return_grad: Literal[True]) -> Tuple[Any, NDArray[Any]]: ...


def sigmoid_binary_cross_entropy(logits: ArrayLike, targets: ArrayLike, *,
                                 reduction: _Reduction = "mean",
                                 pos_weight: Optional[ArrayLike] = None,
                                 return_grad: bool = False
                                 ) -> Union[Any, Tuple[Any, NDArray[Any]]]:
    """Binary cross-entropy of sigmoid(logits) against targets, as
    ``torch.nn.functional.binary_cross_entropy_with_logits``:
    -(pos_weight * t * log(sigmoid(x)) + (1 - t) * log(sigmoid(-x))), elementwise.

    targets: probabilities in [0, 1] (float, int or bool) of the logits' shape. pos_weight:
    None (1) or non-negative weights of the positive term, broadcastable to the logits (e.g.
    one per class along the last axis). Returns the loss, or (loss, d loss / d logits) with
    return_grad=True.
    """
    import fastact

    x = _logits(logits, 0)
    reduction = _reduction(reduction)
    return_grad = _flag(return_grad, "return_grad")
    t = np.asarray(targets)
    if t.dtype.kind not in "biuf":
        raise TypeError("targets: expected real numbers in [0, 1], got dtype %s" % t.dtype)
    if t.shape != x.shape:
        raise ValueError("targets: must have the logits' shape %r, got %r" % (x.shape, t.shape))
    t = t.astype(x.dtype, copy=False)
    if t.size and (np.any(t < 0) or np.any(t > 1)):
        raise ValueError("targets: must be in [0, 1], got values from %g to %g"
                         % (np.nanmin(t), np.nanmax(t)))
    pos = t  # the weight of log(sigmoid(x))
    if pos_weight is not None:
        w = np.asarray(pos_weight)
        if w.dtype.kind not in "iuf":
            raise TypeError("pos_weight: expected real numbers, got dtype %s" % w.dtype)
        try:
            shape = np.broadcast_shapes(w.shape, x.shape)
        except ValueError:
            shape = None
        if shape != x.shape:
            raise ValueError("pos_weight: shape %r does not broadcast to the logits' shape %r"
                             % (w.shape, x.shape))
        if w.size and np.any(w < 0):
            raise ValueError("pos_weight: must be >= 0, got a minimum of %g" % np.nanmin(w))
        pos = t * w.astype(x.dtype, copy=False)
    neg = 1 - t  # the weight of log(sigmoid(-x))

    with np.errstate(invalid="ignore", over="ignore"):
        terms = np.zeros(x.shape, x.dtype)
        np.multiply(pos, fastact.logsigmoid(x), out=terms, where=pos != 0)
        neg_term = np.zeros(x.shape, x.dtype)
        np.multiply(neg, fastact.logsigmoid(-x), out=neg_term, where=neg != 0)
        terms += neg_term
        np.subtract(x.dtype.type(0), terms, out=terms)  # -(a + b), +0 for 0
        loss = _reduce(terms, reduction, x.dtype)
        if not return_grad:
            return loss
        # d/dx: (1 - t) sigmoid(x) - pos sigmoid(-x); logsigmoid'(x) = sigmoid(-x)
        grad = np.zeros(x.shape, x.dtype)
        np.multiply(neg, fastact.sigmoid(x), out=grad, where=neg != 0)
        neg_term[...] = 0
        np.multiply(pos, fastact.logsigmoid_derivative(x), out=neg_term, where=pos != 0)
        grad -= neg_term
        if reduction == "mean" and terms.size:
            grad *= x.dtype.type(1.0 / terms.size)
    return loss, grad
