"""The claims table, its documentation and the suite stay in step."""

from __future__ import annotations

import ast
from pathlib import Path

from conformance import contract

ROOT = Path(__file__).resolve().parent.parent


def _claims_named_in_suites() -> set[str]:
    named: set[str] = set()
    for module in (ROOT / "suites").glob("test_*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "claim":
                named |= {a.value for a in node.args if isinstance(a, ast.Constant)}
            if isinstance(node, ast.JoinedStr) and any(
                isinstance(v, ast.Constant) and str(v.value).startswith("CR-FILTER-")
                for v in node.values
            ):
                named |= {c for c in contract.CLAIMS if c.startswith("CR-FILTER-")}
    return named


def test_every_claim_is_documented_in_claims_md():
    text = (ROOT / "docs" / "claims.md").read_text()
    missing = [c.id for c in contract.CLAIMS.values() if f"`{c.id}`" not in text]
    assert not missing, f"add to docs/claims.md: {missing}"


def test_every_claim_is_checked_by_a_suite_test():
    unchecked = set(contract.CLAIMS) - _claims_named_in_suites() - set(contract.AUTOMATIC_CLAIMS)
    assert not unchecked, f"claims no suite test names: {sorted(unchecked)}"


def test_suites_name_only_known_claims():
    unknown = {c for c in _claims_named_in_suites() if c not in contract.CLAIMS}
    assert not unknown
