"""Only data crosses between the grading process and a worker, with exact types."""
from __future__ import annotations

import socket

import numpy as np
import pytest
import torch

from grader import wire


def round_trip(value, to_handle=None):
    handles = []

    def keep(obj):
        handles.append(obj)
        return {"$handle": len(handles) - 1, "type": type(obj).__name__}

    tree, buffers = wire.encode(value, to_handle or keep)
    ours, theirs = socket.socketpair()
    wire.send_frame(ours, {"value": tree}, buffers)
    header, received = wire.recv_frame(theirs)
    return wire.decode(header["value"], received, lambda t: ("handle", t["type"])), handles


def test_plain_values_round_trip() -> None:
    value = {"a": [1, 2.5, None, True, "text"], 3: (1, (2,)), (1, "k"): float("inf"),
             "nan": float("nan")}
    back, _ = round_trip(value)
    assert back["a"] == value["a"] and back[3] == (1, (2,)) and back[(1, "k")] == float("inf")
    assert back["nan"] != back["nan"]
    assert type(back[3]) is tuple


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8,
                                   np.bool_, np.complex128])
def test_arrays_keep_dtype_and_shape(dtype) -> None:
    array = (np.arange(24) % 5).astype(dtype).reshape(2, 3, 4)[:, ::-1]  # not contiguous
    back, _ = round_trip(array)
    assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == (2, 3, 4)
    assert np.array_equal(back, array) and back.flags.writeable


def test_numpy_scalars_stay_numpy_scalars() -> None:
    back, _ = round_trip([np.float64(1.5), np.float32(2.5), np.int64(3)])
    assert [type(x) for x in back] == [np.float64, np.float32, np.int64]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.int64, torch.bool])
def test_tensors_keep_dtype_shape_and_grad_flag(dtype) -> None:
    tensor = torch.arange(12).reshape(3, 4).to(dtype)
    if dtype.is_floating_point:
        tensor.requires_grad_(True)
    back, _ = round_trip(tensor)
    assert type(back) is torch.Tensor and back.dtype == dtype and back.shape == (3, 4)
    assert torch.equal(back.detach(), tensor.detach())
    assert back.requires_grad == tensor.requires_grad


def test_anything_else_becomes_a_handle() -> None:
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True

    class Cache:
        pass

    sneaky = np.zeros(3).view(Sneaky)
    back, handles = round_trip([sneaky, Cache(), np.array([object()], dtype=object)])
    assert [b[0] for b in back] == ["handle"] * 3
    assert handles[0] is sneaky


def test_cycles_become_a_handle() -> None:
    loop: list = []
    loop.append(loop)
    back, handles = round_trip(loop)
    assert back[0] == "handle" and handles[0] is loop


def test_truncated_and_malformed_frames_are_errors() -> None:
    ours, theirs = socket.socketpair()
    ours.sendall(b"\x00\x00\x00\x10{not json")
    ours.close()
    with pytest.raises(wire.WireError):
        wire.recv_frame(theirs)
    ours, theirs = socket.socketpair()
    ours.sendall(b"\xff\xff\xff\xff")
    with pytest.raises(wire.WireError, match="too large"):
        wire.recv_frame(theirs)


def test_unknown_tags_and_bad_buffers_are_rejected() -> None:
    with pytest.raises(wire.WireError):
        wire.decode({"$pickle": "x"}, [], lambda t: t)
    with pytest.raises(wire.WireError, match="does not match"):
        wire.decode({"$array": 0, "dtype": "<f8", "shape": [3]}, [b"\x00" * 8], lambda t: t)
    with pytest.raises(wire.WireError, match="not allowed"):
        wire.decode({"$array": 0, "dtype": "|O", "shape": [1]}, [b"\x00" * 8], lambda t: t)
