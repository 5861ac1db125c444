"""The fixed-seed case behind the golden-number regression test (shared with the
regeneration script, so both run exactly the same thing)."""

from core.transfer.screen import screen

from tests.transfer.conftest import example_target, fast_config

GOLDEN_TARGET = ("freesolv", 40, 0)
TOP = 10


def golden_numbers(libraries) -> dict:
    """Top of the ranking, the two procedures and the decision of the golden case."""
    result = screen(example_target(*GOLDEN_TARGET), libraries, fast_config())
    top = result.ranking.head(TOP)
    s = result.summary
    return {
        "target": list(GOLDEN_TARGET),
        "top": [{"candidate": c, "cv_mae": float(m)} for c, m in zip(top["candidate"], top["cv_mae"])],
        "best_scratch_cv_mae": s["best_scratch"]["cv_mae"],
        "procedures": {name: {"members": p.members, "nested_mae": p.nested.mae}
                       for name, p in result.procedures.items()},
        "transfer_helps": s["transfer_helps"],
        "interval_halfwidth": s["interval"]["halfwidth"],
    }
