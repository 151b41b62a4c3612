"""The wire format between the grading process and a worker: data only, never pickle.

A frame is ``[u32 length][JSON header][u32 count][u64 length, bytes]*count``: the JSON header
describes the value, and every numpy array or torch tensor travels as raw bytes beside it
(``ndarray.tobytes()`` out, ``np.frombuffer`` in). In the JSON tree, plain JSON values stand
for themselves and every other kind is a one-key object:

    {"$tuple": [...]}                      a tuple
    {"$dict": [[key, value], ...]}         a dict (keys may be any hashable data)
    {"$array": i, "dtype", "shape"}        a numpy array, buffer i
    {"$scalar": i, "dtype"}                a numpy scalar (np.float64(...)), buffer i
    {"$tensor": i, "dtype", "shape", "requires_grad"}   a torch tensor, buffer i
    {"$handle": id, "type": "ClassName"}   an object that stayed on the other side

Exact types are required (``type(x) is np.ndarray``, not a subclass): anything else is not
data and becomes a handle, so an object with a permissive ``__eq__`` cannot pose as a result.
"""
from __future__ import annotations

import json
import math
import socket
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_FRAME_BYTES = 1 << 30          # a single message may carry at most 1 GiB
_MAX_DEPTH = 64                   # deeper nesting (or a cycle) is not data
_ARRAY_KINDS = "biufc"            # bool, int, uint, float, complex
_NUMPY_SCALARS = {np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                  np.uint32, np.uint64, np.float16, np.float32, np.float64, np.complex64,
                  np.complex128}


class WireError(Exception):
    """A frame that cannot be read: truncated, oversized or malformed."""


def _torch():
    # Only a side that has imported torch can hold tensors; never import it here.
    return sys.modules.get("torch")


def _tensor_types() -> tuple:
    torch = _torch()
    return (torch.Tensor, torch.nn.Parameter) if torch is not None else ()


def encode(value: Any, to_handle: Callable[[Any], dict]) -> tuple[Any, list[bytes]]:
    """Turn value into (JSON tree, buffers); objects that are not data go to to_handle."""
    buffers: list[bytes] = []

    def walk(item: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise _TooDeep
        kind = type(item)
        if item is None or kind in (bool, int, str):
            return item
        if kind is float:
            return item if math.isfinite(item) else {"$float": repr(item)}
        if kind is list:
            return [walk(x, depth + 1) for x in item]
        if kind is tuple:
            return {"$tuple": [walk(x, depth + 1) for x in item]}
        if kind is dict:
            return {"$dict": [[walk(k, depth + 1), walk(v, depth + 1)] for k, v in item.items()]}
        if kind is np.ndarray and item.dtype.kind in _ARRAY_KINDS and not item.dtype.fields:
            buffers.append(np.ascontiguousarray(item).tobytes())
            return {"$array": len(buffers) - 1, "dtype": item.dtype.str, "shape": list(item.shape)}
        if kind in _NUMPY_SCALARS:
            buffers.append(np.asarray(item).tobytes())
            return {"$scalar": len(buffers) - 1, "dtype": np.dtype(kind).str}
        if kind in _tensor_types():
            return encode_tensor(item, buffers)
        return to_handle(item)

    try:
        return walk(value, 0), buffers
    except _TooDeep:
        buffers.clear()
        return to_handle(value), buffers


class _TooDeep(Exception):
    pass


def encode_tensor(tensor: Any, buffers: list[bytes]) -> dict:
    """A CPU copy of the tensor's values; bfloat16 travels as its int16 bit pattern."""
    torch = _torch()
    data = tensor.detach().cpu().contiguous()
    name = str(data.dtype).removeprefix("torch.")
    if data.dtype == torch.bfloat16:
        array = data.view(torch.int16).numpy()
    else:
        array = data.numpy()
    buffers.append(array.tobytes())
    return {"$tensor": len(buffers) - 1, "dtype": name, "shape": list(data.shape),
            "requires_grad": bool(tensor.requires_grad)}


def decode(tree: Any, buffers: list[bytes], from_handle: Callable[[dict], Any]) -> Any:
    """Rebuild a value from (JSON tree, buffers); handles go to from_handle."""
    if isinstance(tree, list):
        return [decode(x, buffers, from_handle) for x in tree]
    if not isinstance(tree, dict):
        return tree
    if "$tuple" in tree:
        return tuple(decode(x, buffers, from_handle) for x in tree["$tuple"])
    if "$dict" in tree:
        return {_hashable(decode(k, buffers, from_handle)): decode(v, buffers, from_handle)
                for k, v in tree["$dict"]}
    if "$float" in tree:
        return float(tree["$float"])
    if "$array" in tree:
        return _array(tree, buffers[tree["$array"]])
    if "$scalar" in tree:
        return np.frombuffer(buffers[tree["$scalar"]], dtype=np.dtype(tree["dtype"]))[0]
    if "$tensor" in tree:
        return _tensor(tree, buffers[tree["$tensor"]])
    if "$handle" in tree:
        return from_handle(tree)
    raise WireError(f"unknown value tag in {sorted(tree)}")


def _hashable(key: Any) -> Any:
    try:
        hash(key)
    except TypeError:
        raise WireError("a dict key that cannot be hashed") from None
    return key


def _array(tree: dict, buffer: bytes) -> np.ndarray:
    dtype = np.dtype(tree["dtype"])
    if dtype.kind not in _ARRAY_KINDS:
        raise WireError(f"array dtype {dtype} is not allowed")
    shape = tuple(int(n) for n in tree["shape"])
    if math.prod(shape) * dtype.itemsize != len(buffer):
        raise WireError("array buffer does not match its shape")
    return np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()


def _tensor(tree: dict, buffer: bytes) -> Any:
    torch = _torch()
    if torch is None:  # the receiving side has no torch: the grading process always does
        import torch  # noqa: F401  (a suite that receives tensors uses torch anyway)
        torch = sys.modules["torch"]
    name = tree["dtype"]
    shape = tuple(int(n) for n in tree["shape"])
    if name == "bfloat16":
        bits = np.frombuffer(buffer, dtype=np.int16).reshape(shape).copy()
        result = torch.from_numpy(bits).view(torch.bfloat16)
    else:
        dtype = getattr(torch, name, None)
        if not isinstance(dtype, torch.dtype):
            raise WireError(f"tensor dtype {name} is not allowed")
        numpy_dtype = torch.empty(0, dtype=dtype).numpy().dtype
        result = torch.from_numpy(_array({"dtype": numpy_dtype.str, "shape": shape}, buffer))
    if tree.get("requires_grad") and result.is_floating_point():
        result.requires_grad_(True)
    return result


# -- framing -----------------------------------------------------------------------------

def send_frame(sock: socket.socket, header: dict, buffers: list[bytes] = ()) -> None:
    """Send one frame (blocking)."""
    text = json.dumps(header, allow_nan=False).encode("utf-8")
    parts = [struct.pack("!I", len(text)), text, struct.pack("!I", len(buffers))]
    for buffer in buffers:
        parts.append(struct.pack("!Q", len(buffer)))
        parts.append(buffer)
    if sum(map(len, parts)) < (1 << 20):
        sock.sendall(b"".join(parts))
    else:  # large arrays: send piece by piece rather than joining a second copy in memory
        for part in parts:
            sock.sendall(part)


def recv_frame(sock: socket.socket, *, deadline: float | None = None,
               max_header: int = MAX_FRAME_BYTES,
               max_bytes: int = MAX_FRAME_BYTES) -> tuple[dict, list[bytes]]:
    """Receive one frame; raises EOFError when the peer closed, WireError when malformed or
    over the limits (max_header for the JSON header, max_bytes for all buffers together).

    With a deadline (time.monotonic()), the whole frame must arrive by then: a peer that
    trickles bytes cannot stretch it (socket.timeout is raised). Without one, the socket's
    own timeout applies to every read.
    """
    read = lambda size, eof_ok=False: _recv_exactly(sock, size, deadline, eof_ok)
    (length,) = struct.unpack("!I", read(4, True))
    if length > max_header:
        raise WireError(f"frame header too large: {length} bytes (the limit is {max_header})")
    try:
        header = json.loads(read(length).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise WireError(f"malformed frame header: {error}") from None
    (count,) = struct.unpack("!I", read(4))
    buffers, total = [], 0
    for _ in range(count):
        (size,) = struct.unpack("!Q", read(8))
        total += size
        if total > max_bytes:
            raise WireError(f"message larger than {max_bytes >> 20} MiB")
        buffers.append(read(size))
    if not isinstance(header, dict):
        raise WireError("frame header is not an object")
    return header, buffers


def _recv_exactly(sock: socket.socket, size: int, deadline: float | None = None,
                  eof_ok: bool = False) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("the deadline passed")
            sock.settimeout(left)
        chunk = sock.recv(min(remaining, 1 << 22))
        if not chunk:
            if eof_ok and remaining == size:
                raise EOFError("peer closed the connection")
            raise WireError("connection closed in the middle of a frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
