"""Reading torch.save archives as data: tensors rebuilt, nothing named in the file run."""

import os
from collections import OrderedDict

import pytest
import torch

from core.features.torch_archive import Record, read_archive


class Payload:
    """Pickles as a call of os.system: loading it with pickle would run the command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_tensors_containers_and_modules_come_back(tmp_path):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    data = {"w": base, "view": base[1:, ::2], "ids": torch.tensor([3, 1, 2]), "half": base.half(),
            "meta": OrderedDict(a=1, b=[2.5, "x", None, True]), "layer": torch.nn.ReLU(), "set": {1, 2}}
    torch.save(data, tmp_path / "ckpt.pt")
    back = read_archive(tmp_path / "ckpt.pt")
    for key in ("w", "view", "ids", "half"):
        assert torch.equal(back[key], data[key]) and back[key].dtype == data[key].dtype
    assert back["meta"] == {"a": 1, "b": [2.5, "x", None, True]} and back["set"] == {1, 2}
    assert isinstance(back["layer"], Record) and back["layer"].qualname == "torch.nn.modules.activation.ReLU"


def test_nothing_named_in_the_file_is_called(tmp_path):
    marker = tmp_path / "ran"
    torch.save({"evil": Payload(marker)}, tmp_path / "evil.pt")
    back = read_archive(tmp_path / "evil.pt")
    assert isinstance(back["evil"], Record) and back["evil"].args == (f"touch {marker}",)
    assert not marker.exists()


def test_not_an_archive(tmp_path):
    (tmp_path / "x.pt").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable PyTorch checkpoint"):
        read_archive(tmp_path / "x.pt")
