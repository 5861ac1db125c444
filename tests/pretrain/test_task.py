"""One build task's steps (core/pretrain/task.py)."""

import numpy as np
import pytest

from core.errors import InputError
from core.pretrain.sources import SourceData
from core.pretrain.task import Task, TaskRows, draw_nets, input_scalers, task_rows

MORGAN = ("morgan", (("n_bits", 8), ("radius", 2)))
RDKIT = ("rdkit2d", ())


def _task(descriptors=(RDKIT, RDKIT), **kw) -> Task:
    return Task(source={"dataset": "x"}, source_name="x", stack=0, descriptors=descriptors,
                model_ids=tuple(f"m{i}" for i in range(len(descriptors))), seed=0, max_rows=100, max_epochs=2,
                patience=2, batch_size=16, morgan_range=(2, 4), weight_decay=0.0, **kw)


def _rows(blocks: dict, n_train: int) -> TaskRows:
    X = np.hstack(list(blocks.values())).astype(np.float32)
    offsets, at = {}, 0
    for desc, block in blocks.items():
        offsets[desc], at = at, at + block.shape[1]
    n = len(X)
    return TaskRows(SourceData("x", None, "p", "u", None), X, np.arange(n, dtype=float),
                    {"train": slice(0, n_train), "val": slice(n_train, n), "test": slice(n, n)}, dict.fromkeys(blocks),
                    blocks, offsets)


def test_near_constant_columns_keep_scale_one_and_are_never_drawn():
    rng = np.random.default_rng(0)
    block = rng.normal(size=(40, 6)).astype(np.float32)
    block[:, 2] = 5.0  # constant
    block[:, 4] = 1000.0 + rng.normal(size=40) * 1e-4  # varies by a part in 1e7 of its size: constant too
    block[30:, 2] = 7.0  # differs on the validation rows only
    rows = _rows({RDKIT: block}, n_train=30)
    assert block[:30, 4].std() > 0
    mean, scale, constant = input_scalers(rows)
    assert constant.tolist() == [False, False, True, False, True, False]
    assert scale[2] == scale[4] == 1.0 and scale[0] == pytest.approx(block[:30, 0].std(), rel=1e-5)
    for seed in range(20):
        draw = draw_nets(_task(), rows, constant, np.random.default_rng(seed))
        assert all(not {2, 4} & set(s.tolist()) for s in draw.subsets)


def test_morgan_counts_are_scaled_not_centred():
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 3, size=(20, 8)).astype(np.float32)
    other = rng.normal(3.0, 1.0, size=(20, 5)).astype(np.float32)
    rows = _rows({MORGAN: counts, RDKIT: other}, n_train=16)
    mean, scale, _ = input_scalers(rows)
    assert (mean[:8] == 0).all() and np.allclose(mean[8:], other[:16].mean(axis=0))
    assert np.allclose(scale[:8], counts[:16].std(axis=0))


def test_a_descriptor_with_only_constant_columns_is_refused():
    rows = _rows({RDKIT: np.ones((10, 4), dtype=np.float32)}, n_train=8)
    with pytest.raises(InputError, match="every rdkit2d column is constant"):
        draw_nets(_task((RDKIT,)), rows, input_scalers(rows)[2], np.random.default_rng(0))


def test_nets_without_dropout_come_first_in_the_stack():
    rows = _rows({RDKIT: np.random.default_rng(2).normal(size=(30, 40)).astype(np.float32)}, n_train=24)
    draw = draw_nets(_task((RDKIT,) * 8), rows, input_scalers(rows)[2], np.random.default_rng(3))
    slots = draw.in_slots(draw.archs)
    keys = [(a.dropout > 0, a.activation) for a in slots]
    assert keys == sorted(keys) and sorted(draw.order) == list(range(8))
    assert all(draw.in_slots(draw.archs)[draw.slot(m)] is draw.archs[m] for m in range(8))


def test_rows_left_out_leave_every_part_and_an_empty_part_is_refused():
    split = task_rows(_task(exclude=(3, 7, 11)), 50)
    assert not {3, 7, 11} & set(np.concatenate(list(split.values())).tolist())
    with pytest.raises(InputError, match="no (train|val|test) rows left"):
        task_rows(_task(exclude=tuple(range(50))[5:]), 50)
