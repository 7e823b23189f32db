"""The documented contract as data: operations, their paths, status codes and schemas.

Everything that knows "which schema answers which (operation, status)" reads this table, so the
client validates every response without a test having to ask, the OpenAPI builder and the
report's coverage table enumerate the same operations, and adding an operation touches one place.
Status codes and descriptions are those of the documentation page (facts file, section 4.6).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Shapes name schema files in schemas/ (without ".json").
FLAT = "cancellation_request"
DETAILED = "cancellation_request_detailed"
FLAT_PAGE = "cancellation_request_page"
DETAILED_PAGE = "cancellation_request_detailed_page"
VALIDATION_ERROR = "error_validation"
DETAIL_ERROR = "error_detail"

COLLECTION = "/api/channel/{channel_id}/cancellation_requests/"
# The documentation shows the detailed list without a trailing slash, unlike every other path.
DETAILED_COLLECTION = "/api/channel/{channel_id}/cancellation_requests/detailed"
ITEM = "/api/channel/{channel_id}/cancellation_requests/{id}/"

CANCELLATION_TYPES = ("cancel", "refund")
# Only these three values are documented or seen (facts 1.2); the enum may hold more.
REQUEST_STATUSES = ("waiting", "approved", "rejected")
CANCELLATION_PLAN_STATUSES = ("waiting", "completed")

PAGINATION_PARAMS = ("limit", "page")

# The flat fields the detailed object carries with the same value; it expands order_item and
# reason and shows no uuid or dates (facts 2.5).
SHARED_SCALARS = (
    "id",
    "description",
    "cancellation_type",
    "status",
    "iban",
    "holder_name",
    "quantity",
    "fully_refund_as_loyalty_money",
)


@dataclass(frozen=True)
class Filter:
    """A documented list query parameter and how its value relates to the detailed object."""

    name: str
    kind: str  # "int", "int_list", "str", "email", "enum", "date_time", "date"
    description: str
    case_insensitive: bool = False
    enum: tuple[str, ...] = ()
    list_only: bool = False  # documented on the flat list, not on the detailed list


FILTERS: tuple[Filter, ...] = (
    Filter("pk__in", "int_list", "Filter by multiple primary key values (comma-separated)"),
    Filter("status", "enum", "Status of the cancellation request", enum=REQUEST_STATUSES),
    Filter("number", "str", "Order number (case-insensitive)", case_insensitive=True),
    # Described on the page as "Order number (case-insensitive)", typed date-time: a known
    # documentation mistake (facts 7.3); treated as the date-time filter it is typed as.
    Filter("date_placed", "date_time", "Order placement date-time", list_only=True),
    Filter("date_placed__gte", "date_time", "Order placed on or after this date-time"),
    Filter("date_placed__gt", "date_time", "Order placed after this date"),
    Filter("date_placed__lt", "date_time", "Order placed before this date-time"),
    Filter("date_placed__lte", "date_time", "Order placed on or before this date-time"),
    Filter("date_placed__date__gt", "date", "Order placed after this day"),
    Filter("date_placed__date__gte", "date", "Order placed on or after this day"),
    Filter("date_placed__date__lt", "date", "Order placed before this day"),
    Filter("date_placed__date__lte", "date", "Order placed on or before this day"),
    Filter("sku", "str", "Product SKU (case-insensitive)", case_insensitive=True),
    Filter("channel", "int", "ID of the channel the customer belongs to"),
    Filter(
        "customer_first_name",
        "str",
        "Customer's first name (case-insensitive)",
        case_insensitive=True,
    ),
    Filter(
        "customer_last_name",
        "str",
        "Customer's last name (case-insensitive)",
        case_insensitive=True,
    ),
    Filter("customer_email", "email", "Customer's email (case-insensitive)", case_insensitive=True),
    Filter("order_id", "int", "Order ID"),
    Filter(
        "cancellation_plan_status",
        "enum",
        "Status of the cancellation plan",
        enum=CANCELLATION_PLAN_STATUSES,
    ),
    Filter("easy_return_code", "str", "Easy return code (case-insensitive)", case_insensitive=True),
    Filter("tracking_number", "str", "Tracking number (case-insensitive)", case_insensitive=True),
)


@dataclass(frozen=True)
class Operation:
    """One documented operation: where it lives and what each documented status code carries."""

    name: str
    method: str
    path: str
    summary: str
    success: int
    # status code -> response shape (None: documented without a body)
    responses: dict[int, str | None]
    request_shape: str | None = None
    filters: tuple[Filter, ...] = ()
    paginated: bool = False
    writes: bool = False
    descriptions: dict[int, str] = field(default_factory=dict)

    @property
    def documented_statuses(self) -> frozenset[int]:
        return frozenset(self.responses)


_ERRORS_400 = {400: VALIDATION_ERROR}
_ERRORS_401 = {401: DETAIL_ERROR}
_ERRORS_404 = {404: DETAIL_ERROR}

_DESCRIPTIONS = {
    400: "Required field(s) are missing, data is invalid, or the action is not allowed.",
    401: "Unauthorized Access",
    403: "Forbidden",
    404: "The given resource or object was not found or does not exist.",
}


def _op(**kwargs) -> Operation:
    descriptions = {code: _DESCRIPTIONS[code] for code in kwargs["responses"] if code >= 400}
    descriptions.update(kwargs.pop("descriptions", {}))
    return Operation(descriptions=descriptions, **kwargs)


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        _op(
            name="list",
            method="GET",
            path=COLLECTION,
            summary="List cancellation requests",
            success=200,
            responses={200: FLAT_PAGE, **_ERRORS_400, **_ERRORS_401},
            filters=FILTERS,
            paginated=True,
            descriptions={200: "List of cancellation requests"},
        ),
        _op(
            name="detailed_list",
            method="GET",
            path=DETAILED_COLLECTION,
            summary="List cancellation requests with detailed information",
            success=200,
            responses={200: DETAILED_PAGE, **_ERRORS_400, **_ERRORS_401},
            filters=tuple(f for f in FILTERS if not f.list_only),
            paginated=True,
            descriptions={200: "List of cancellation requests"},
        ),
        _op(
            name="create",
            method="POST",
            path=COLLECTION,
            summary="Create a cancellation request",
            success=201,
            # 403 is documented with a description only, no content (facts 4.3)
            responses={201: FLAT, **_ERRORS_400, **_ERRORS_401, 403: None},
            request_shape="create_body",
            writes=True,
            descriptions={201: "Cancellation request created successfully"},
        ),
        _op(
            name="retrieve",
            method="GET",
            path=ITEM,
            summary="Retrieve a cancellation request",
            success=200,
            responses={200: FLAT, **_ERRORS_400, **_ERRORS_401, **_ERRORS_404},
            descriptions={200: "Cancellation request for given ID"},
        ),
        _op(
            name="detailed_retrieve",
            method="GET",
            path=ITEM + "detailed/",
            summary="Retrieve a cancellation request with detailed information",
            success=200,
            responses={200: DETAILED, **_ERRORS_400, **_ERRORS_401, **_ERRORS_404},
            descriptions={200: "Cancellation request for given ID"},
        ),
        _op(
            name="update",
            method="PUT",
            path=ITEM,
            summary="Update a cancellation request",
            success=200,
            responses={200: FLAT, **_ERRORS_400, **_ERRORS_401, **_ERRORS_404},
            request_shape="update_body",
            writes=True,
            descriptions={200: "Cancellation request updated successfully"},
        ),
        _op(
            name="partial_update",
            method="PATCH",
            path=ITEM,
            summary="Partial update a cancellation request",
            success=200,
            responses={200: FLAT, **_ERRORS_400, **_ERRORS_401, **_ERRORS_404},
            request_shape="patch_body",
            writes=True,
            descriptions={200: "Cancellation request updated successfully"},
        ),
        _op(
            name="delete",
            method="DELETE",
            path=ITEM,
            summary="Delete a cancellation request",
            success=204,
            responses={204: None, **_ERRORS_401, **_ERRORS_404},
            writes=True,
            descriptions={204: "Cancellation request deleted successfully"},
        ),
        _op(
            name="reject",
            method="POST",
            path=ITEM + "reject/",
            summary="Reject a cancellation request",
            success=200,
            responses={200: FLAT, **_ERRORS_400, **_ERRORS_401, **_ERRORS_404},
            writes=True,
            descriptions={200: "Cancellation request rejected successfully"},
        ),
    )
}


@dataclass(frozen=True)
class Claim:
    """A documented promise the suite checks, and where the documentation makes it."""

    id: str
    text: str
    source: str


_PAGE = "akinon-cancellation-requests.txt"
_FACTS = "akinon-facts.md"

CLAIMS: dict[str, Claim] = {
    c.id: c
    for c in (
        Claim(
            "CR-NO-5XX",
            "No input makes an operation answer 5xx; bad data is a 400.",
            f"{_PAGE}: every operation's 400 'data is invalid'; {_FACTS} 4.5 (no 500 listed)",
        ),
        Claim(
            "CR-JSON",
            "Documented responses with content are application/json.",
            f"{_PAGE}: each response 'application/json'",
        ),
        Claim(
            "CR-SHAPE",
            "Each documented response body matches the documented schema.",
            f"{_PAGE}: response examples; {_FACTS} 2, 4, 5.1",
        ),
        Claim(
            "CR-CREATE-201",
            "Create answers 201 with the new cancellation request.",
            f"{_PAGE}: Create, Responses 201 'created successfully'",
        ),
        Claim(
            "CR-CREATE-ECHO",
            "The created request holds the values sent, with status waiting.",
            f"{_PAGE}: Create body fields; {_FACTS} 1.2, 7.8 (example shows 'rejected')",
        ),
        Claim(
            "CR-CREATE-PERSISTS",
            "Retrieve returns what create answered.",
            f"{_PAGE}: Retrieve 'Cancellation request for given ID'",
        ),
        Claim(
            "CR-CREATE-REQUIRED",
            "Create without order_item, reason or cancellation_type is a 400.",
            f"{_PAGE}: Create body 'Required'; 400 'Required field(s) are missing'",
        ),
        Claim(
            "CR-CREATE-INVALID",
            "Create with a wrong type, enum value or reference is a 400.",
            f"{_PAGE}: Create body types and enums; 400 'data is invalid'; {_FACTS} 4.1",
        ),
        Claim(
            "CR-NO-EFFECT-ON-400",
            "A request answered 400 creates or changes nothing.",
            f"{_PAGE}: 400 'data is invalid' (the operation did not happen)",
        ),
        Claim(
            "CR-CREATE-403",
            "A key without write permission gets 403 on create.",
            f"{_PAGE}: Create, Responses 403 'Forbidden'; {_FACTS} 4.3",
        ),
        Claim(
            "CR-READONLY-KEY",
            "A key without write permission changes nothing.",
            f"{_PAGE}: Create 403; targets.toml readonly_api_key_env",
        ),
        Claim(
            "CR-RETRIEVE-200",
            "Retrieve answers 200 with the flat request.",
            f"{_PAGE}: Retrieve, Responses 200",
        ),
        Claim(
            "CR-DETAILED-200",
            "Detailed retrieve answers 200 with the request and its nested objects, "
            "agreeing with retrieve.",
            f"{_PAGE}: Retrieve detailed, Responses 200",
        ),
        Claim(
            "CR-LIST-200",
            "List and detailed list answer 200 with the paginated envelope.",
            f"{_PAGE}: List, List detailed, Responses 200; {_FACTS} 5.1",
        ),
        Claim(
            "CR-LIST-AGREE",
            "List, detailed list and retrieve agree on members and values.",
            f"{_PAGE}: both lists 'List of cancellation requests'",
        ),
        Claim(
            "CR-PAGINATION",
            "limit and page select pages; next/previous lead to them; count counts them.",
            f"{_PAGE}: limit, page parameters; {_FACTS} 5.1, 5.2",
        ),
        Claim(
            "CR-LIST-BAD-QUERY",
            "An invalid query value is a 400 or is ignored, never a 5xx.",
            f"{_PAGE}: List 400; parameter types",
        ),
        Claim(
            "CR-UPDATE-200",
            "PUT answers 200 and persists the values sent.",
            f"{_PAGE}: Update, Responses 200 'updated successfully'",
        ),
        Claim(
            "CR-PATCH-200",
            "PATCH answers 200 and persists what it changed and nothing else.",
            f"{_PAGE}: Partial update, Responses 200",
        ),
        Claim(
            "CR-READONLY-FIELDS",
            "id, uuid and created_date never change; modified_date does not go backwards.",
            f"{_FACTS} 2.1, 2.2 (readOnly)",
        ),
        Claim(
            "CR-UPDATE-400",
            "PUT or PATCH with invalid data is a 400 and changes nothing.",
            f"{_PAGE}: Update, Partial update, Responses 400",
        ),
        Claim(
            "CR-DELETE-204",
            "Delete answers 204 with no content.",
            f"{_PAGE}: Delete, Responses 204 'No content'",
        ),
        Claim(
            "CR-DELETE-GONE",
            "After delete, every id operation answers 404 and lists omit it.",
            f"{_PAGE}: 404 'does not exist'",
        ),
        Claim(
            "CR-REJECT-200",
            "Reject answers 200 with status rejected, persisted.",
            f"{_PAGE}: Reject, Responses 200 'rejected successfully'",
        ),
        Claim(
            "CR-REJECT-AGAIN",
            "Rejecting a rejected request is refused (400) or harmless.",
            f"{_PAGE}: Reject 400 'the action is not allowed'",
        ),
        Claim(
            "CR-404",
            "An unknown id answers 404 on every id operation.",
            f"{_PAGE}: 404 on retrieve, detailed, PUT, PATCH, DELETE, reject; {_FACTS} 4.4",
        ),
        Claim(
            "CR-401",
            "Without credentials or with a wrong key, every operation answers 401.",
            f"{_PAGE}: 401 'Unauthorized Access' on every operation; {_FACTS} 4.2, 6",
        ),
        Claim(
            "CR-ISOLATION",
            "A channel's request is invisible through another channel.",
            f"{_PAGE}: paths scoped by channel_id",
        ),
    )
}
# Checked by the client on every response, so every suite test checks them too.
AUTOMATIC_CLAIMS = ("CR-NO-5XX", "CR-JSON", "CR-SHAPE")

for _filter in FILTERS:
    CLAIMS[f"CR-FILTER-{_filter.name}"] = Claim(
        f"CR-FILTER-{_filter.name}",
        f"The list filter {_filter.name} returns exactly the requests it describes: "
        f"{_filter.description}.",
        f"{_PAGE}: List / List detailed, query parameter {_filter.name}",
    )
