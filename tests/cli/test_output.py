from core.cli import output


def test_progress_counts_from_the_start_of_the_work_and_extrapolates(monkeypatch, capsys):
    clock = {"t": 1000.0}
    monkeypatch.setattr(output.time, "monotonic", lambda: clock["t"])
    bar = output.Progress("stage 1", every=0.0)
    bar(0, 100)
    clock["t"] += 600  # ten minutes for the first tenth
    bar(10, 100)
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0] == "stage 1: 0/100 (0%) 0 s elapsed"
    assert lines[1] == "stage 1: 10/100 (10%) 10 min 00 s elapsed, ~1 h 30 min left"


def test_durations_read_like_a_clock():
    assert output.format_duration(42) == "42 s"
    assert output.format_duration(185) == "3 min 05 s"
    assert output.format_duration(3720) == "1 h 02 min"
