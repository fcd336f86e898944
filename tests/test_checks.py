"""The shared checks of user-given settings: what they accept, and errors that say where."""

import pytest

from diffplay.checks import check_choice, check_integer, check_number, flag
from diffplay.errors import UsageError


@pytest.mark.parametrize("value, low, message", [
    (True, None, "must be an integer, got True"),
    (2.0, None, "must be an integer, got 2.0"),
    (0, 1, "must be a positive integer, got 0"),
    (-1, 0, "must be an integer >= 0, got -1"),
])
def test_check_integer_refuses_bools_floats_and_small_values(value, low, message):
    with pytest.raises(UsageError, match=f"^--n: {message}$"):
        check_integer(value, "--n", low)


@pytest.mark.parametrize("value, above, message", [
    (float("nan"), None, "must be a finite number, got nan"),
    (float("inf"), 0, "must be a number > 0, got inf"),
    (False, None, "must be a finite number, got False"),
    (0.0, 0, "must be a number > 0, got 0.0"),
])
def test_check_number_refuses_non_finite_bools_and_small_values(value, above, message):
    with pytest.raises(UsageError, match=f"^--x: {message}$"):
        check_number(value, "--x", above)


def test_checks_return_what_they_accept():
    assert check_integer(3, "--n", low=1) == 3 and check_number(1e-3, "--x", above=0) == 1e-3
    assert check_choice("value", ("tensor", "value"), "--engine") == "value"


def test_check_choice_lists_the_choices():
    with pytest.raises(UsageError, match=r"^--engine: unknown choice 'gpu' \(choose from tensor, value\)$"):
        check_choice("gpu", ("tensor", "value"), "--engine")


def test_flag_spells_a_setting_as_its_option():
    assert flag("n_embd") == "--n-embd"
