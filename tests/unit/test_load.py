"""localab/host/bench/load.py: the percentiles the load report prints."""

import pytest

from localab.host.bench.load import percentile


def test_no_values_no_percentile():
    assert percentile([], 0.5) is None
    assert percentile([], 0.95) is None


def test_one_value_is_every_percentile():
    assert [percentile([7.0], f) for f in (0.0, 0.5, 0.95, 1.0)] == [7.0, 7.0, 7.0, 7.0]


def test_the_ends_are_the_minimum_and_the_maximum_whatever_the_order():
    values = [5.0, 1.0, 9.0, 3.0, 7.0]
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 1.0) == 9.0
    assert values == [5.0, 1.0, 9.0, 3.0, 7.0], "the caller's list is left as it was"


def test_the_median_of_an_odd_count_is_the_middle_value():
    assert percentile([30, 10, 20], 0.5) == 20
    assert percentile(list(range(101)), 0.5) == 50


def test_p95_of_a_hundred_and_one_values_is_the_95th_step():
    values = [float(v) for v in range(101)][::-1]
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0


def test_the_nearest_rank_rounds_to_the_closer_value():
    values = [10, 20, 30, 40, 50]  # positions 0..4: 0.95 * 4 = 3.8 -> 4; 0.6 * 4 = 2.4 -> 2
    assert percentile(values, 0.95) == 50
    assert percentile(values, 0.6) == 30
    assert percentile(values, 0.9) == 50  # 3.6 -> 4


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 1.0])
def test_a_percentile_is_always_one_of_the_values_and_grows_with_the_fraction(fraction):
    values = [0.3, 0.1, 0.4, 0.1, 0.5, 0.9, 0.2, 0.6]
    assert percentile(values, fraction) in values
    assert percentile(values, fraction) <= percentile(values, min(1.0, fraction + 0.1))
