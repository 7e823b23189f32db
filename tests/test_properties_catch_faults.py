"""The properties catch real regressions, and say so in few words: with one of the reference
server's named faults switched on, the property that guards the broken promise fails, names its
claim, and shrinks to a small example (or a short sequence of steps); with no fault, the same
selection passes, so the catch is no false alarm.

Each run is the suite itself in a subprocess (the embedded server reads ``REFERENCE_FAULTS`` when
it starts), narrowed with ``-k`` to the one property, under the deterministic profile: the quick
profile's budget of examples, derandomized, so a catch that holds today holds on every run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "suites"


@dataclass(frozen=True)
class Catch:
    """A fault, the property that must catch it, and what the shrunk failure must look like."""

    fault: str
    module: str
    selection: str  # the -k expression
    test: str  # the failing test's node id, as the summary prints it
    claim: str
    shows: tuple[str, ...]  # fragments of the falsifying example or steps (whitespace collapsed)


CATCHES = [
    Catch(
        "invalid_enum_accepted",
        "test_properties.py",
        "invalid_create and outside-the-enum",
        "test_any_invalid_create_body_is_a_400_naming_the_field_and_stores_nothing"
        "[value-outside-the-enum]",
        # the 201 answer carries a cancellation_type outside the documented enum
        "CR-SHAPE",
        (
            "Draw 1 (invalid): InvalidBody(rule='value outside the enum'",
            "field='cancellation_type'",
        ),
    ),
    Catch(
        "invalid_body_still_creates",
        "test_properties.py",
        "invalid_create and required",
        "test_any_invalid_create_body_is_a_400_naming_the_field_and_stores_nothing"
        "[required-field-missing]",
        "CR-NO-EFFECT-ON-400",
        ("Draw 1 (invalid): InvalidBody(rule='required field missing'",),
    ),
    Catch(
        "filter_number_case_sensitive",
        "test_properties.py",
        "filter_combination and detailed_list-number",
        "test_any_filter_combination_returns_exactly_the_matching_requests[detailed_list-number]",
        "CR-FILTER-number",
        ("Draw 1 (query): FilterQuery(filters={'pk__in': ",),
    ),
    Catch(
        "page_repeats_item",
        "test_properties.py",
        "pages_through and detailed_list",
        "test_any_limit_pages_through_count_requests_once_and_back[detailed_list]",
        "CR-PAGINATION",
        ("Draw 1 (limit): 1 ",),
    ),
    Catch(
        "delete_keeps_object",
        "test_lifecycle.py",
        "sequence",
        "test_any_sequence_of_operations_keeps_the_target_agreeing_with_the_model",
        "CR-DELETE-GONE",
        ("Failing test case: <state machine>", "= state.delete(request=live_0)"),
    ),
]


@pytest.fixture
def run_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Runs suite modules against a fresh embedded server with the given faults switched on."""
    for name in ("CC_TARGET", "CC_TARGETS_FILE", "CC_HYPOTHESIS_PROFILE"):
        monkeypatch.delenv(name, raising=False)

    def run(modules: list[str], selection: str, faults: str = "") -> pytest.RunResult:
        monkeypatch.setenv("REFERENCE_FAULTS", faults)
        return pytester.runpytest_subprocess(
            *(str(SUITES / module) for module in modules),
            "-k",
            selection,
            "--hypothesis-profile",
            "deterministic",
            "--html",
            str(tmp_path / "report.html"),
            "--junitxml",
            str(tmp_path / "junit.xml"),
            "-p",
            "no:cacheprovider",
            timeout=600,
        )

    return run


def _collapsed(output: str) -> str:
    """The output with pytest's ``E`` margins dropped and runs of whitespace made one space, so
    a pretty-printed example reads the same however hypothesis wraps it."""
    lines = (re.sub(r"^E\s", "", line).strip() for line in output.splitlines())
    return re.sub(r"\s+", " ", " ".join(lines))


def _falsifying(output: str) -> str:
    """The first falsifying example, alone: on CI pytest prints it a second time in the short
    summary, and the steps of that copy must not count twice."""
    text = _collapsed(output)
    start = text.find("Failing test case:")
    assert start >= 0, "hypothesis printed no falsifying example"
    again = text.find("Failing test case:", start + 1)
    return text[start:again] if again > 0 else text[start:]


@pytest.mark.parametrize("catch", CATCHES, ids=[c.fault for c in CATCHES])
def test_a_fault_fails_the_property_that_guards_it_with_a_small_example(run_suite, catch, tmp_path):
    # Given the reference server with one fault, when the property that guards it runs,
    result = run_suite([catch.module], catch.selection, faults=catch.fault)
    # then exactly that test fails, for its claim,
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1 and not outcomes.get("passed"), result.stdout.str()
    output = result.stdout.str()
    assert catch.test in output
    assert f"claim: {catch.claim}" in _collapsed(output)
    assert (tmp_path / "junit.xml").read_text(encoding="utf-8").count("<failure") == 1
    # and the example it shrank to is small.
    example = _falsifying(output)
    for fragment in catch.shows:
        assert fragment in example, example[:2000]
    _assert_small(catch, example)


def _assert_small(catch: Catch, example: str) -> None:
    if catch.module == "test_lifecycle.py":
        # the rules run, invariant checks and teardown aside: a create and a delete
        steps = re.findall(r"state\.(\w+)\(", example)
        rules = [s for s in steps if s not in ("the_list_holds_the_model", "teardown")]
        assert rules == ["create", "delete"], steps
        return
    if "Draw 1 (invalid)" in example:
        # nothing but what the rule needs: the required fields, the marker, the broken one
        body = example[example.index("body=") : example.index("raw=")]
        assert not re.search(r"'(iban|holder_name|quantity)'", body), body
        if catch.fault == "invalid_enum_accepted":
            assert re.search(r"'cancellation_type': '.{0,2}'", body), body
    if "Draw 1 (query)" in example:
        query = re.search(r"FilterQuery\(filters=(\{.*?\}), limit=(\d+), page=(\w+)\)", example)
        assert query, example[:1000]
        # one request in scope and the one filter that is broken
        assert re.fullmatch(r"\{'pk__in': '\d+', 'number': '[^']+'\}", query.group(1)), query[0]


def test_without_faults_the_same_properties_pass(run_suite):
    # Given the reference server as it should be, when every property above runs, none fails
    selection = " or ".join(f"({c.selection})" for c in CATCHES)
    modules = sorted({c.module for c in CATCHES})
    result = run_suite(modules, selection)
    outcomes = result.parseoutcomes()
    assert not outcomes.get("failed") and not outcomes.get("errors"), result.stdout.str()
    assert outcomes.get("passed") == len(CATCHES)
