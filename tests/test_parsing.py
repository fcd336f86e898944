"""The parsing layer: sizes, digits and nesting are bounded before anything is built, and every
refusal says what and where."""

import argparse

import pytest

from diffplay.checks import check_integer, is_number, shown
from diffplay.errors import UsageError
from diffplay.parsing import MAX_DEPTH, argument, load_json, load_toml, parse_integer, parse_number


@pytest.mark.parametrize("text, message", [
    ("9" * 400, "^--n: an integer of 400 digits; at most 18 are read$"),
    ("-" + "9" * 5000, "^--n: an integer of 5,000 digits; at most 18 are read$"),
    ("1.5", '^--n: expected an integer, got "1.5"$'),
    ("-1", r"^--n: must be an integer in \[0, 10\], got -1$"),
])
def test_parse_integer_bounds_digits_before_int_sees_them(text, message):
    with pytest.raises(UsageError, match=message):
        parse_integer(text, "--n", lo=0, hi=10)


@pytest.mark.parametrize("text, message", [
    ("1" * 200, "^--x: a number of 200 characters; at most 100 are read$"),
    ("nan", "^--x: must be a finite number, got nan$"),
    ("1e999", "^--x: must be a finite number, got inf$"),
    ("two", '^--x: expected a number, got "two"$'),
])
def test_parse_number_bounds_length_and_refuses_non_finite(text, message):
    with pytest.raises(UsageError, match=message):
        parse_number(text, "--x")


def test_parsers_return_what_they_read():
    assert parse_integer(" 42 ", "--n") == 42 and parse_number("2.5e-3", "--x", lo=0) == 2.5e-3


def test_an_argparse_type_reports_through_argparse():
    seed = argument(parse_integer, lo=0, hi=5)
    assert seed("3") == 3
    with pytest.raises(argparse.ArgumentTypeError, match=r"^must be an integer in \[0, 5\], got 7$"):
        seed("7")


@pytest.mark.parametrize("text, message", [
    ('{"step": ' + "9" * 5000 + "}", "^m.json: step: an integer of 5,000 digits; at most 18 are read$"),
    ('{"a": [1, {"b": 12345678901234567890}]}', r"^m.json: a\[1\].b: an integer of 20 digits"),
    ("[" * 100_000 + "]" * 100_000, f"^m.json: not JSON we read: nested more than {MAX_DEPTH} deep$"),
    ("[" * 40 + "]" * 40, f"^m.json: nested more than {MAX_DEPTH} deep$"),
    ("{not json", "^m.json: not JSON: Expecting property name enclosed in double quotes at line 1 column 2$"),
])
def test_load_json_bounds_digits_and_depth_and_says_where(text, message):
    with pytest.raises(UsageError, match=message):
        load_json(text, "m.json")


@pytest.mark.parametrize("text, message", [
    ("r = " + "9" * 400, "^s.toml: r: an integer of 400 digits"),
    ("r = " + "9" * 5000, "^s.toml: not TOML we read: an integer of more than 18 digits$"),
    ("r = 1." + "5" * 500, "^s.toml: not TOML we read: a number of 502 characters"),
    ("a = " + "[" * 5000 + "]" * 5000, f"^s.toml: not TOML we read: nested more than {MAX_DEPTH} deep$"),
    ("a = = 1", "^s.toml:1: not valid TOML: Invalid value$"),
])
def test_load_toml_bounds_digits_and_depth_for_the_layout_spec(text, message):
    with pytest.raises(UsageError, match=message):
        load_toml(text, "s.toml")


def test_documents_within_the_bounds_read_as_the_standard_parsers_read_them():
    assert load_json('{"a": [1.5, -2, "x", null, NaN]}', "m")["a"][:4] == [1.5, -2, "x", None]
    assert load_toml('[shapes]\nA = { kind = "circle", r = 5 }\n', "s") == {"shapes": {"A": {"kind": "circle", "r": 5}}}


def test_huge_integers_are_not_numbers_a_check_accepts_and_are_shown_by_their_length():
    assert not is_number(10**400) and is_number(10**300)
    assert shown(10**5000) == "an integer of 5,001 digits"
    with pytest.raises(UsageError, match="^--n: must be a positive integer, got an integer of 401 digits$"):
        check_integer(-10**400, "--n", low=1)
