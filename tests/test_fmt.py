"""One spelling per number, one precision per quantity."""

import math

import pytest

from mnist_mlp import fmt


@pytest.mark.parametrize(
    "value, text",
    [
        (1e-5, "1e-5"),
        (1.0e-05, "1e-5"),
        (0.00001, "1e-5"),
        (0.001, "0.001"),
        (0, "0"),
        (0.0, "0"),
        (1000.0, "1000"),
        (0.1, "0.1"),
        (1e-10, "1e-10"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_a_setting_has_one_spelling(value, text):
    assert fmt.number(value) == text


def test_each_quantity_has_one_precision():
    assert fmt.pct(62) == "62.00" and fmt.pct(95.8712) == "95.87"
    assert fmt.points(21.1) == "+21.10" and fmt.points(-2.3) == "−2.30"
    assert fmt.count(30000) == "30,000" and fmt.count(3000.0) == "3,000"
    assert fmt.seconds(1234.56) == "1,234.6" and fmt.megabytes(903.6) == "904"
    assert fmt.loss(0.00163105) == "0.001631" and fmt.loss(2.3071) == "2.307"
    assert fmt.share(77.6) == "78 %" and fmt.p_value(0.0123) == "p = 0.012" and fmt.p_value(0.0001) == "p = 0.0001"
    assert fmt.p_value(0.00009) == "p < 0.0001"
    assert fmt.pct(None) == fmt.points(math.nan) == fmt.count(None) == fmt.p_value(None) == "—"


def test_a_list_reads_as_a_sentence():
    assert [fmt.words(items) for items in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == [
        "",
        "a",
        "a and b",
        "a, b and c",
    ]


def test_a_count_of_one_takes_the_singular():
    assert fmt.counted(1, "universe") == "1 universe"
    assert fmt.counted(12, "universe") == "12 universes"
    assert fmt.counted(1953, "run") == "1,953 runs"


def test_no_plus_minus_with_one_seed():
    assert fmt.spread(0.0, 1) == "—"
    assert fmt.spread(float("nan"), 2) == "—"
    assert fmt.spread(0.456, 3) == "± 0.46"
