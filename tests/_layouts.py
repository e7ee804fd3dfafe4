"""The memory layouts and out= modes every kind of call is tested in (one grid for all).

    make_layout(base, layout)   base's values as a C, F or non-contiguous array
    out_modes(inputs, layout)   the out= modes of a call whose array inputs are `inputs`
                                (names: "x", "grad", "y"): none, a separate array in the
                                same or the other order, and in place on each input
    make_out(mode, like, layout, arrays)
                                the out argument of a mode (None, a new NaN-filled array, or
                                the input array itself: arrays = {name: array})
"""
import numpy as np

LAYOUTS = ("C", "F", "noncontig")


def make_layout(base, layout):
    """base (C-contiguous) rearranged as a C, F or non-contiguous array with the same values."""
    if layout == "C":
        return base.copy(order="C")  # (np.ascontiguousarray would make a 0-d array 1-d)
    if layout == "F":
        return np.asfortranarray(base)
    # non-contiguous: every other element of a twice-as-long last axis (or a strided transpose)
    if base.ndim >= 2:
        big = np.zeros(base.shape[::-1][:-1] + (2 * base.shape[0],), dtype=base.dtype)
        view = big[..., ::2].T  # transpose of a non-contiguous view
        view[...] = base
        assert not view.flags.c_contiguous and not view.flags.f_contiguous
        return view
    big = np.zeros(base.shape[:-1] + (2 * base.shape[-1],), dtype=base.dtype)
    view = big[..., ::2]
    view[...] = base
    assert not view.flags.c_contiguous
    return view


def out_modes(inputs, layout, ndim=2):
    """The out= modes for a call with array inputs named `inputs` (in place needs a
    contiguous input; the other order needs 2 or more dimensions)."""
    if layout == "noncontig":
        return ["none", "separate"]
    modes = ["none", "separate"]
    if ndim >= 2:
        modes.append("other_order")
    return modes + ["inplace_" + n for n in inputs]


def make_out(mode, like, layout, arrays):
    """The out argument of `mode` for a result shaped and typed like `like`."""
    if mode == "none":
        return None
    if mode in ("separate", "other_order"):
        f = (layout == "F") != (mode == "other_order")
        return np.full(like.shape, np.nan, like.dtype, order="F" if f else "C")
    return arrays[mode[len("inplace_"):]]
