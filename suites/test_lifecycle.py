"""The life of cancellation requests: any sequence of documented operations, against a model.

Hypothesis runs create, retrieve, detailed retrieve, PUT, PATCH, reject, delete and list in any
order (``RuleBasedStateMachine``); the model holds what the target must hold after each step,
taken from the documents (the values sent, status waiting on create, rejected after reject, 404
after delete) and from what the target itself chose where the documents leave it the choice (ids,
uuid, dates, the easy return it attached). Every answer is compared with the model, and the list
with the whole model after every step; a failure shrinks to the shortest sequence of steps that
still breaks a promise, printed as code, with the ContractViolation as the error.

Where the documents are silent the model accepts every reasonable answer: a second reject may be
refused (400) or be harmless (200, still rejected); whether an approved request can be rejected
is open; a status change by PUT or PATCH may be "an action not allowed" (400, nothing changed).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conformance import checks, contract, oracle, strategies

pytestmark = pytest.mark.writes

# More live requests than this adds steps, not coverage.
MAX_LIVE = 4
# The target chooses these; the model learns them from the create answer.
CHOSEN_BY_TARGET = ("id", "uuid", "created_date", "easy_return")
# Compared on every read: everything but modified_date, which only must not go back.
COMPARED = (*contract.SHARED_SCALARS, "order_item", "reason", "uuid", "created_date")
DETAILED_SCALARS = contract.SHARED_SCALARS


def holds(actual: Any, expected: dict[str, Any], keys, *, title: str, claim: str, exchange) -> None:
    """Each named field of the answer holds what the model says it must."""
    known = [k for k in keys if k in expected]
    checks.fields_equal(actual, expected, known, title=title, claim=claim, exchange=exchange)


def not_older(before: dict[str, Any], after: dict[str, Any], exchange) -> None:
    """modified_date never goes back."""
    was, now = (oracle.parse_datetime(x.get("modified_date")) for x in (before, after))
    checks.require(
        was is None or (now is not None and now >= was),
        "modified_date went backwards",
        documented=f"modified_date at or after {before.get('modified_date')}",
        received=str(after.get("modified_date")),
        claim="CR-READONLY-FIELDS",
        exchange=exchange,
    )


def lifecycle(api, target, marker: str, observe) -> type[RuleBasedStateMachine]:
    """The state machine for one target: its strategies need the target's ids and the marker."""
    create_bodies = strategies.create_bodies(target, marker)
    put_bodies = strategies.update_bodies(target, marker)
    patch_bodies = strategies.patch_bodies(target, marker)

    class CancellationRequestLifecycle(RuleBasedStateMachine):
        live = Bundle("live")
        gone = Bundle("gone")

        def __init__(self) -> None:
            super().__init__()
            # id -> the flat object the target must answer
            self.model: dict[int, dict[str, Any]] = {}
            self.deleted: set[int] = set()

        # --- writes ------------------------------------------------------------------------

        @precondition(lambda self: len(self.model) < MAX_LIVE)
        @rule(target=live, body=create_bodies)
        def create(self, body: dict[str, Any]) -> int:
            exchange = api.create(body)
            checks.status_code_is(exchange, 201, claim="CR-CREATE-201")
            answer = exchange.json
            expected = {**body, "status": "waiting"}
            holds(
                answer,
                expected,
                expected,
                title="Create does not answer the values sent",
                claim="CR-CREATE-ECHO",
                exchange=exchange,
            )
            self.model[answer["id"]] = answer
            return answer["id"]

        @rule(request=live, body=put_bodies)
        def put(self, request: int, body: dict[str, Any]) -> None:
            self._update("update", request, body, claim="CR-UPDATE-200")

        @rule(request=live, body=patch_bodies)
        def patch(self, request: int, body: dict[str, Any]) -> None:
            self._update("partial_update", request, body, claim="CR-PATCH-200")

        def _update(self, operation: str, request: int, body: dict[str, Any], claim: str) -> None:
            before = self.model[request]
            exchange = api.call(operation, id=request, json_body=body)
            if exchange.status == 400 and body.get("status", before["status"]) != before["status"]:
                # a status change may be "an action not allowed": then nothing changes
                observe(
                    "status changes", f"{operation} {before['status']} -> {body['status']}: 400"
                )
                return
            checks.status_code_is(exchange, 200, claim=claim)
            expected = {**before, **body}
            holds(
                exchange.json,
                expected,
                COMPARED,
                title=f"{operation} does not answer the model's values",
                claim=claim,
                exchange=exchange,
            )
            not_older(before, exchange.json, exchange)
            self.model[request] = exchange.json

        @rule(request=live)
        def reject(self, request: int) -> None:
            before = self.model[request]
            exchange = api.reject(request)
            if before["status"] != "waiting" and exchange.status == 400:
                # rejecting a rejected request is refused, or rejecting an approved one (open)
                observe("reject", f"reject of a {before['status']} request answers 400")
                return
            claim = "CR-REJECT-200" if before["status"] == "waiting" else "CR-REJECT-AGAIN"
            checks.status_code_is(exchange, 200, claim=claim)
            expected = {**before, "status": "rejected"}
            holds(
                exchange.json,
                expected,
                COMPARED,
                title="Reject does not answer the request, rejected",
                claim=claim,
                exchange=exchange,
            )
            self.model[request] = exchange.json

        @rule(target=gone, request=consumes(live))
        def delete(self, request: int) -> int:
            exchange = api.delete(request)
            checks.status_code_is(exchange, 204, claim="CR-DELETE-204")
            checks.body_is_empty(exchange, claim="CR-DELETE-204")
            del self.model[request]
            self.deleted.add(request)
            return request

        # --- reads -------------------------------------------------------------------------

        @rule(request=live)
        def retrieve(self, request: int) -> None:
            exchange = api.retrieve(request)
            checks.status_code_is(exchange, 200, claim="CR-RETRIEVE-200")
            self._matches(exchange.json, request, exchange, "CR-RETRIEVE-200")

        @rule(request=live)
        def detailed_retrieve(self, request: int) -> None:
            exchange = api.detailed_retrieve(request)
            checks.status_code_is(exchange, 200, claim="CR-DETAILED-200")
            expected = self.model[request]
            detailed = exchange.json
            flattened = {
                **{k: detailed.get(k) for k in DETAILED_SCALARS},
                "order_item": oracle._get(detailed, "order_item", "pk"),
                "reason": oracle._get(detailed, "reason", "pk"),
            }
            holds(
                flattened,
                expected,
                (*DETAILED_SCALARS, "order_item", "reason"),
                title="Detailed retrieve disagrees with the model",
                claim="CR-DETAILED-200",
                exchange=exchange,
            )

        @rule(request=gone, operation=st.sampled_from(["retrieve", "detailed_retrieve", "reject"]))
        def gone_stays_gone(self, request: int, operation: str) -> None:
            exchange = api.call(operation, id=request)
            checks.status_code_is(exchange, 404, claim="CR-DELETE-GONE")

        @precondition(lambda self: self.model or self.deleted)
        @rule(limit=st.integers(1, MAX_LIVE + 1))
        def detailed_list(self, limit: int) -> None:
            scope = sorted(self.model.keys() | self.deleted)
            exchange = api.detailed_list(pk__in=scope, limit=limit)
            checks.status_code_is(exchange, 200, claim="CR-LIST-200")
            checks.require(
                exchange.json["count"] == len(self.model),
                "The detailed list does not count the live requests",
                documented=f"count {len(self.model)} of ids {scope}",
                received=f"count {exchange.json['count']}",
                claim="CR-LIST-AGREE",
                exchange=exchange,
            )
            for item in exchange.json["results"]:
                checks.require(
                    item.get("id") in self.model,
                    "The detailed list holds a deleted request",
                    documented=f"only {sorted(self.model)} of {scope}",
                    received=f"request {item.get('id')}",
                    claim="CR-DELETE-GONE",
                    exchange=exchange,
                )

        # --- the whole model, after every step ---------------------------------------------

        @invariant()
        def the_list_holds_the_model(self) -> None:
            scope = sorted(self.model.keys() | self.deleted)
            if not scope:
                return
            exchange = api.list(pk__in=scope, limit=len(scope))
            checks.status_code_is(exchange, 200, claim="CR-LIST-200")
            listed = {item.get("id"): item for item in exchange.json["results"]}
            resurrected = sorted(listed.keys() & self.deleted)
            checks.require(
                not resurrected,
                "The list holds a deleted request",
                documented=f"ids {sorted(self.deleted)} deleted, not listed",
                received=f"listed {resurrected}",
                claim="CR-DELETE-GONE",
                exchange=exchange,
            )
            missing = sorted(self.model.keys() - listed.keys())
            checks.require(
                not missing,
                "The list misses a live request",
                documented=f"ids {sorted(self.model)} listed",
                received=f"listed {sorted(listed, key=str)}; missing {missing}",
                claim="CR-LIST-AGREE",
                exchange=exchange,
            )
            for request, item in listed.items():
                self._matches(item, request, exchange, "CR-LIST-AGREE")

        def _matches(self, answer: Any, request: int, exchange, claim: str) -> None:
            expected = self.model[request]
            holds(
                answer,
                expected,
                COMPARED,
                title="The target disagrees with the model",
                claim=claim,
                exchange=exchange,
            )
            checks.fields_equal(
                answer,
                expected,
                ("id", "uuid", "created_date"),
                title="A read-only field changed",
                claim="CR-READONLY-FIELDS",
                exchange=exchange,
            )
            not_older(expected, answer, exchange)

        def teardown(self) -> None:
            # each sequence starts from nothing; the plugin sweeps whatever a failure leaves
            for request in list(self.model):
                api.delete(request)

    return CancellationRequestLifecycle


@pytest.mark.claim(
    "CR-CREATE-201",
    "CR-CREATE-ECHO",
    "CR-RETRIEVE-200",
    "CR-DETAILED-200",
    "CR-UPDATE-200",
    "CR-PATCH-200",
    "CR-READONLY-FIELDS",
    "CR-REJECT-200",
    "CR-REJECT-AGAIN",
    "CR-DELETE-204",
    "CR-DELETE-GONE",
    "CR-LIST-200",
    "CR-LIST-AGREE",
)
def test_any_sequence_of_operations_keeps_the_target_agreeing_with_the_model(
    api, target, conformance_run
):
    seen: set[tuple[str, str]] = set()

    def observe(kind: str, text: str) -> None:
        if (kind, text) not in seen:
            seen.add((kind, text))
            conformance_run.observe(kind, text)

    machine = lifecycle(api, target, conformance_run.marker, observe)
    # settings() is the active profile: examples and steps per sequence are its to choose
    run_state_machine_as_test(machine, settings=settings())
