"""Learning curves: sizes, honest held-out points, determinism, options that change the output."""

import numpy as np
import pytest

from core.errors import CancelledError, InputError
from core.learning import LearningConfig, default_sizes, learning_curve
from core.transfer.transferability import example_targets


@pytest.fixture(scope="module")
def target():
    return example_targets(["freesolv"], rows=40, seed=1)[0]


def test_default_sizes():
    sizes = default_sizes(100)
    assert sizes[0] == 10 and sizes[-1] == 80 and list(sizes) == sorted(sizes) and len(sizes) == 4
    assert default_sizes(12) == ()  # 80% of 12 is below the 8 rows a screen needs
    assert max(default_sizes(20)) <= 15


def test_config_checks():
    with pytest.raises(InputError, match="fewer than 5"):
        LearningConfig(sizes=(10, 38)).check(40)
    with pytest.raises(InputError, match="below 8 rows"):
        LearningConfig(sizes=(5, 10)).check(40)
    with pytest.raises(InputError, match="at least 13 rows"):
        LearningConfig().check(10)
    with pytest.raises(InputError, match="repeats"):
        LearningConfig(repeats=0).check(40)


def test_points_are_held_out_and_reproducible(target, libraries):
    config = LearningConfig(sizes=(10, 25), repeats=2)
    curve = learning_curve(target, libraries, config)
    points = curve.points
    assert len(points) == 2 * 2 * 2 and set(points["method"]) == {"transfer", "scratch"}
    assert (points["n_test"] == 40 - points["n_train"]).all()
    assert (points["mae"] > 0).all() and points["candidate"].str.len().gt(0).all()
    scratch = points[points["method"] == "scratch"]["candidate"]
    assert scratch.str.contains("scratch: ").all() and not scratch.str.contains(" net,").any()  # scratch picks only
    again = learning_curve(target, libraries, config).points
    assert np.allclose(points["mae"], again["mae"])
    summary = curve.summary()
    assert set(summary.columns) >= {"method", "n_train", "mean", "std"} and len(summary) == 4


def test_seed_and_repeats_change_the_output(target, libraries):
    base = learning_curve(target, libraries, LearningConfig(sizes=(12,), repeats=1, seed=0)).points
    other = learning_curve(target, libraries, LearningConfig(sizes=(12,), repeats=1, seed=5)).points
    more = learning_curve(target, libraries, LearningConfig(sizes=(12,), repeats=2, seed=0)).points
    assert not np.allclose(base["mae"], other["mae"])
    assert len(more) == 2 * len(base)


def test_progress_and_cancel(target, libraries):
    calls = []
    learning_curve(target, libraries, LearningConfig(sizes=(10,), repeats=2),
                   progress=lambda done, total, msg: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]
    with pytest.raises(CancelledError):
        learning_curve(target, libraries, LearningConfig(sizes=(10,)), cancel=lambda: True)
