import pytest
from hypothesis import given
from hypothesis import strategies as st

from localab.host.errors import UsageError
from localab.host.units import format_duration, format_size, parse_duration, parse_size


@pytest.mark.parametrize("text, expected", [
    ("16G", 16 << 30), ("16g", 16 << 30), ("16GiB", 16 << 30), ("16 GiB", 16 << 30),
    ("12.7GB", 12_700_000_000), ("512M", 512 << 20), ("1.5T", int(1.5 * (1 << 40))),
    ("100", 100), (4096, 4096), ("64KB", 64_000),
])
def test_sizes_in_the_usual_forms(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["16X", "", "G", "-1G", "1.2.3G", "sixteen", "16 G B", True, -5])
def test_malformed_sizes_name_field_value_and_forms(text):
    with pytest.raises(UsageError) as error:
        parse_size(text, "profiles.p100.memory")
    message = str(error.value)
    assert "profiles.p100.memory" in message and f"'{text}'" in message and "16GiB" in message


@pytest.mark.parametrize("text, seconds", [("12h", 43200), ("90m", 5400), ("1h30m", 5400), ("45s", 45), ("0", 0), (600, 600)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["1h30", "12.5h", "h", "1d", "12 hours", "-5m", "", True])
def test_malformed_durations(text):
    with pytest.raises(UsageError, match="not a duration") as error:
        parse_duration(text, "lifetime")
    assert str(error.value).startswith(f"lifetime: '{text}' is not a duration")


@given(st.integers(min_value=0, max_value=1 << 50), st.sampled_from(["", "K", "M", "G", "KiB", "MiB", "GiB", "KB", "MB", "GB"]))
def test_every_number_with_a_unit_parses_to_its_bytes(number, unit):
    factor = {"": 1, "K": 1024, "M": 1 << 20, "G": 1 << 30, "KiB": 1024, "MiB": 1 << 20, "GiB": 1 << 30,
              "KB": 1000, "MB": 10**6, "GB": 10**9}[unit]
    if number * factor > 1 << 50:
        with pytest.raises(UsageError, match="more than 1 PiB"):
            parse_size(f"{number}{unit}")
    else:
        assert parse_size(f"{number}{unit}") == number * factor


@given(st.text(max_size=12))
def test_anything_else_is_a_size_or_a_usage_error(text):
    try:
        assert parse_size(text) >= 0
    except UsageError as error:
        assert "not a size" in str(error) or "negative" in str(error)


def test_formatting():
    assert format_size(16 << 30) == "16 GiB"
    assert format_size(None) == "-"
    assert format_duration(43200) == "12h00m"
    assert format_duration(65) == "1m05s"


@pytest.mark.parametrize("value", ["²", "１２h", "9" * 30, "400d", "99999999h"])
def test_durations_that_are_not_ascii_or_absurd_are_usage_errors(value):
    with pytest.raises(UsageError, match="duration|more than a year"):
        parse_duration(value, "lifetime")


@pytest.mark.parametrize("value", ["99999999T", "²G", "１６G", 1 << 60])
def test_sizes_that_are_not_ascii_or_absurd_are_usage_errors(value):
    with pytest.raises(UsageError, match="is not a size|more than 1 PiB"):
        parse_size(value, "memory")
