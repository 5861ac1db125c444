"""Read a PyTorch zip checkpoint (``torch.save``) as plain data, without unpickling it.

A checkpoint's ``data.pkl`` is a pickle program: run by Python's unpickler it may import
and call anything it names.  This module never does: it decodes the program's opcodes
with :func:`pickletools.genops` (which only parses) and interprets the data opcodes
itself.  Containers, numbers and strings become themselves; tensors are rebuilt from
the archive's raw storages with NumPy; every other object the program names becomes an
inert :class:`Record` holding its class name, arguments and state.  Nothing named in
the file is imported or called.
"""

from __future__ import annotations

import pickletools
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

_STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
                   "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
                   "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}
_MARK = object()


@dataclass(frozen=True)
class Global:
    """A name the pickle refers to (never imported)."""

    module: str
    name: str

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"


class Record(dict):
    """An object the pickle would have built: its class name, arguments, state and items."""

    def __init__(self, cls: Global, args: tuple = ()):
        super().__init__()
        self.cls, self.args, self.state = cls, args, None

    @property
    def qualname(self) -> str:
        return self.cls.qualname


class _Storage:
    def __init__(self, values: np.ndarray):
        self.values = values


class _Machine:
    """The data subset of the pickle virtual machine (protocol 2 opcodes that torch.save writes)."""

    def __init__(self, archive: zipfile.ZipFile, prefix: str):
        self.archive, self.prefix = archive, prefix
        self.stack: list = []
        self.memo: dict = {}
        little = self._read("byteorder", optional=True)
        self.swap = little is not None and little.strip() == b"big"

    def _read(self, name: str, optional: bool = False) -> bytes | None:
        try:
            return self.archive.read(f"{self.prefix}/{name}")
        except KeyError:
            if optional:
                return None
            raise ValueError(f"the checkpoint has no {name}") from None

    def _pop_mark(self) -> list:
        i = len(self.stack) - 1 - next(j for j, v in enumerate(reversed(self.stack)) if v is _MARK)
        items = self.stack[i + 1:]
        del self.stack[i:]  # in place: the caller holds the same list
        return items

    def run(self, program: bytes):
        for op, arg, _ in pickletools.genops(program):
            if op.name == "STOP":
                return self.stack.pop()
            self._step(op.name, arg)
        raise ValueError("the pickle program has no STOP")

    def _step(self, name: str, arg) -> None:  # noqa: C901 - one branch per opcode, flat on purpose
        s = self.stack
        if name == "PROTO":
            return
        if name in ("BINUNICODE", "SHORT_BINUNICODE", "BININT", "BININT1", "BININT2", "BINFLOAT", "LONG1",
                    "SHORT_BINBYTES", "BINBYTES"):
            s.append(arg)
        elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
            s.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name])
        elif name in ("EMPTY_DICT", "EMPTY_LIST", "EMPTY_TUPLE"):
            s.append({"EMPTY_DICT": dict, "EMPTY_LIST": list, "EMPTY_TUPLE": tuple}[name]())
        elif name == "MARK":
            s.append(_MARK)
        elif name in ("BINPUT", "LONG_BINPUT", "MEMOIZE"):
            self.memo[arg if name != "MEMOIZE" else len(self.memo)] = s[-1]
        elif name in ("BINGET", "LONG_BINGET"):
            s.append(self.memo[arg])
        elif name == "TUPLE":
            s.append(tuple(self._pop_mark()))
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            items = tuple(s[-n:])
            del s[-n:]
            s.append(items)
        elif name == "APPEND":
            value = s.pop()
            s[-1].append(value)
        elif name == "APPENDS":
            items = self._pop_mark()
            s[-1].extend(items)
        elif name == "SETITEM":
            value, key = s.pop(), s.pop()
            s[-1][key] = value
        elif name == "SETITEMS":
            items = self._pop_mark()
            for key, value in zip(items[::2], items[1::2]):
                s[-1][key] = value
        elif name == "GLOBAL":
            module, _, attr = str(arg).partition(" ")
            s.append(Global(module, attr))
        elif name == "STACK_GLOBAL":
            attr, module = s.pop(), s.pop()
            s.append(Global(str(module), str(attr)))
        elif name == "BINPERSID":
            s.append(self._storage(s.pop()))
        elif name == "REDUCE":
            args, func = s.pop(), s.pop()
            s.append(self._call(func, tuple(args)))
        elif name == "NEWOBJ":
            args, cls = s.pop(), s.pop()
            s.append(Record(cls, tuple(args)))
        elif name == "BUILD":
            state = s.pop()
            if isinstance(s[-1], Record):
                s[-1].state = state
        else:
            raise ValueError(f"unsupported pickle opcode {name} in the checkpoint")

    def _storage(self, pid) -> _Storage:
        kind, storage_type, key = pid[0], pid[1], pid[2]
        if kind != "storage" or not isinstance(storage_type, Global) or storage_type.name not in _STORAGE_DTYPES:
            raise ValueError(f"unsupported storage {pid!r} in the checkpoint")
        values = np.frombuffer(self._read(f"data/{key}"), dtype=_STORAGE_DTYPES[storage_type.name])
        return _Storage(values.byteswap() if self.swap else values)

    def _call(self, func, args: tuple):
        name = func.qualname if isinstance(func, Global) else ""
        if name == "torch._utils._rebuild_tensor_v2":
            return _tensor(*args[:4])
        if name == "torch._utils._rebuild_parameter":
            return args[0]
        if name == "collections.OrderedDict":
            return dict(args[0]) if args else {}
        if name in ("builtins.set", "__builtin__.set"):
            return set(args[0]) if args else set()
        return Record(func if isinstance(func, Global) else Global("?", "?"), args)


def _tensor(storage: _Storage, offset: int, size: tuple, stride: tuple) -> torch.Tensor:
    values = storage.values
    item = values.itemsize
    view = np.lib.stride_tricks.as_strided(values[offset:], shape=tuple(size), strides=tuple(s * item for s in stride))
    return torch.from_numpy(np.array(view))


def read_archive(path: str | Path):
    """The object a ``torch.save`` zip archive holds, as dicts, lists, tensors and :class:`Record` s.

    Raises
    ------
    ValueError
        When the file is not such an archive or uses something this reader does not know.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [n for n in archive.namelist() if n.endswith("/data.pkl")]
            if len(pickles) != 1:
                raise ValueError("not a PyTorch zip checkpoint (no single data.pkl)")
            prefix = pickles[0][: -len("/data.pkl")]
            return _Machine(archive, prefix).run(archive.read(pickles[0]))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"not a readable PyTorch checkpoint ({exc})") from None


__all__ = ["Global", "Record", "read_archive"]
