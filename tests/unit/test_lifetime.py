import pytest
from IPython.core.error import UsageError as IPythonUsageError

from localab.guest import contract, lifetime
from localab.guest.colab_kernel import warn_before_the_end
from localab.guest.colab_magics import TF1_MESSAGE, TF2_MESSAGE, tensorflow_version


class FakeTime:
    def __init__(self, start):
        self.now = start

    def sleep(self, seconds):
        self.now += seconds

    def __call__(self):
        return self.now


def warnings_for(lifetime_s, started_ago=0.0):
    clock = lifetime.Clock(started_at=1000.0, lifetime_s=lifetime_s)
    fake = FakeTime(1000.0 + started_ago)
    said = []
    warn_before_the_end(clock, sleep=fake.sleep, now=fake, write=said.append)
    return said


def test_a_12_hour_runtime_is_warned_30_and_5_minutes_before_the_end():
    said = warnings_for(12 * 3600)
    assert len(said) == 2
    assert "stops in about 30 minutes" in said[0] and "stops in about 5 minutes" in said[1]
    assert "12h00m lifetime" in said[0] and "/content/drive/MyDrive is kept" in said[1]


def test_a_runtime_already_inside_the_last_minutes_gets_one_warning():
    assert [s for s in warnings_for(120)] == [lifetime.warning(120, 120)]
    assert len(warnings_for(600)) == 2, "10 minutes: the 30-minute mark is passed, both warnings still come"


def test_no_lifetime_no_warning():
    assert warnings_for(None) == []


def test_the_clock_from_the_environment():
    clock = lifetime.Clock.from_environ({"LOCALAB_STARTED_AT": "100.5", "LOCALAB_LIFETIME_S": "60"})
    assert clock.expires_at == 160.5 and clock.remaining(150.5) == 10 and clock.remaining(999) == 0
    assert lifetime.Clock.from_environ({}).remaining() is None


@pytest.mark.parametrize("line", ["2.x", " 2 ", "2"])
def test_tensorflow_version_2_is_accepted_and_says_it_has_no_effect(line, capsys):
    assert tensorflow_version(line) is None
    assert capsys.readouterr().out == TF2_MESSAGE + "\n"
    assert "TensorFlow 2.x" in TF2_MESSAGE and "no effect" in TF2_MESSAGE


@pytest.mark.parametrize("line", ["1.x", "1"])
def test_tensorflow_version_1_is_refused_as_colab_refuses_it(line, capsys):
    with pytest.raises(IPythonUsageError) as refused:
        tensorflow_version(line)
    assert str(refused.value) == TF1_MESSAGE and "unsupported" in TF1_MESSAGE
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("line", ["3.x", "", "latest"])
def test_tensorflow_version_names_an_unknown_version(line):
    with pytest.raises(IPythonUsageError, match=f"'{line}' is not a TensorFlow version here; use 2.x"):
        tensorflow_version(line)


def test_the_page_status_counts_down_and_says_when_to_save():
    from localab.guest.pagestatus import status

    environ = {"LOCALAB_STARTED_AT": "1000", "LOCALAB_LIFETIME_S": "3600", "LOCALAB_PROFILE": "p100"}
    early = status(environ, now=1000.0)
    assert early["remaining_s"] == 3600 and early["stopping"] is False and early["profile"] == "p100"
    assert early["expires_at"] == "1970-01-01T01:16:40+00:00" and early["warn_at_s"] == [1800, 300]
    assert early["gpu"] is None
    assert status(environ, now=1000.0 + 3600 - lifetime.SAVE_AHEAD_S)["stopping"] is True
    assert status({}, now=0)["remaining_s"] is None


def test_a_warning_waits_until_a_cell_has_run_so_it_has_somewhere_to_appear():
    clock = lifetime.Clock(started_at=1000.0, lifetime_s=120)
    fake = FakeTime(1000.0)
    cells_run = iter([False, False, True])
    said = []
    warn_before_the_end(clock, sleep=fake.sleep, now=fake, write=said.append, ready=lambda: next(cells_run))
    assert said == [lifetime.warning(118, 120)] and fake.now == 1002.0


def test_durations_read_as_the_page_writes_them():
    assert [contract.format_duration(s) for s in (43200, 80, 5400, 0, 59.6)] == ["12h00m", "1m20s", "1h30m", "0s", "1m00s"]


@pytest.mark.parametrize("text, ahead", [("5390", 5390.0), ("-600", 0.0), ("nan", 0.0), ("inf", 0.0), ("x", 0.0), ("", 0.0)])
def test_the_clock_runs_ahead_only_forward(tmp_path, text, ahead):
    path = tmp_path / "clock-ahead"
    path.write_text(text)
    assert lifetime.ahead_s(path) == ahead
    assert lifetime.ahead_s(tmp_path / "missing") == 0.0


def test_a_clock_that_jumps_ahead_is_noticed_within_the_recheck():
    """A 2-hour runtime whose clock is moved to 29 minutes before its end warns at once
    (within one recheck), not after the hour and a half it was asleep for."""
    clock = lifetime.Clock(started_at=1000.0, lifetime_s=7200)
    fake = FakeTime(1000.0)
    said, slept = [], []

    def sleep(seconds):
        slept.append(seconds)
        fake.sleep(seconds)
        if len(slept) == 3:
            fake.now = 1000.0 + 7200 - 29 * 60  # the jump
    warn_before_the_end(clock, sleep=sleep, now=fake, write=said.append)
    assert max(slept) <= 10.0, "never asleep for longer than a recheck"
    assert "stops in about 29 minutes" in said[0] and "stops in about 5 minutes" in said[1]
