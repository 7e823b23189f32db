"""Flat and detailed representations, exactly the field sets the documentation shows.

The flat serializer is also the write serializer (create, PUT, PATCH), as in the docs, where
``order_item`` and ``reason`` are ids both ways.  Related ids are scoped to the path's
channel, so another channel's order item is "does not exist", not a leak.  The detailed
serializer is read-only and nests everything the documented example nests.

Reading is the hot path, and two costs dominated it.  A ``ModelSerializer`` introspects its
model and copies its fields on every instantiation, so representations go through one set
of fields built once per class (``PrebuiltFields``: read-side fields keep no per-request
state).  And the nested parts of a request (order item, customer, reason, channel, easy
return) are seeded rows no operation changes, so each is rendered once per server and
memoised (``reference.context.memo``); a request's own columns are all a read still loads.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from reference import context, faults
from reference.models import (
    BenefitApplicant,
    CancellationReason,
    CancellationRequest,
    CancellationRequestStatus,
    CancellationType,
    Channel,
    Customer,
    DataSource,
    EasyReturn,
    Order,
    OrderItem,
    PriceList,
    Product,
    ShippingOptionGroup,
    StockList,
)

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
_ASCII_INT = re.compile(r"[0-9]{1,19}")


class ChannelScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related id that must be an integer and name an object usable in the path channel.

    What a channel may use never changes while a server runs, so the usable objects are
    loaded once per server and channel and looked up in the memo.
    """

    def __init__(self, scope: Any, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.scope(self.context["channel"])

    def to_internal_value(self, data: Any) -> Any:
        # DRF's own field would accept 1.5 (Django truncates it) and crash on 2**64 in SQLite.
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str) and not _ASCII_INT.fullmatch(data):
            self.fail("incorrect_type", data_type="str")
        if not 0 < int(data) <= INT64_MAX:
            self.fail("does_not_exist", pk_value=data)
        usable = self.usable()
        found = usable.get(int(data))
        if (
            found is None
            and usable
            and self.field_name == "order_item"
            and self.parent.instance is None
            and faults.is_on("validation_unknown_order_item_accepted")
        ):
            found = usable[min(usable)]  # "defaults" to the channel's first item
        if found is None:
            self.fail("does_not_exist", pk_value=int(data))
        return found

    def usable(self) -> dict[int, Any]:
        """The objects usable in the path channel, by id."""
        channel = self.context["channel"]
        memo = context.memo()
        key = ("usable", self.scope.__name__, channel.pk)
        if key not in memo:
            memo[key] = {obj.pk: obj for obj in self.scope(channel)}
        return memo[key]


_prototypes: dict[type, tuple[serializers.Field, ...]] = {}
_prototypes_lock = threading.Lock()


def _readable_fields(cls: type[serializers.Serializer]) -> tuple[serializers.Field, ...]:
    """The readable fields of one context-free instance of ``cls``, built once per process."""
    fields = _prototypes.get(cls)
    if fields is None:
        with _prototypes_lock:
            fields = _prototypes.get(cls)
            if fields is None:
                fields = tuple(f for f in cls().fields.values() if not f.write_only)
                _prototypes[cls] = fields
    return fields


class PrebuiltFields:
    """Serializer mixin: represent through fields built once per class, not per instance."""

    # Nested fields taken from the server's memo: field name -> the instance's id attribute.
    memoised: ClassVar[dict[str, str]] = {}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # DRF's Serializer.to_representation, over the prebuilt fields.
        memo = context.memo()
        if self.memoised:
            remember_nested([instance], self.memoised, memo)
        ret: dict[str, Any] = {}
        for field in _readable_fields(type(self)):
            name = field.field_name
            if name in self.memoised:
                pk = getattr(instance, self.memoised[name])
                ret[name] = None if pk is None else memo[name, pk]
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret


def usable_order_items(channel: Channel) -> QuerySet[OrderItem]:
    """Order items whose order belongs to ``channel``."""
    return OrderItem.objects.filter(order__channel=channel)


def first_easy_return_id(item: OrderItem) -> int | None:
    """The id of the item's first easy return, which a request on that item attaches."""
    memo = context.memo()
    key = ("first_easy_return", item.pk)
    if key not in memo:
        memo[key] = (
            EasyReturn.objects.filter(order_item=item).order_by("pk").values_list("pk", flat=True)
        ).first()
    return memo[key]


def usable_reasons(channel: Channel) -> QuerySet[CancellationReason]:
    """Active reasons that are global or belong to ``channel``."""
    if faults.is_on("validation_foreign_reason_accepted"):
        return CancellationReason.objects.filter(is_active=True)
    return CancellationReason.objects.filter(Q(channel=None) | Q(channel=channel), is_active=True)


class EasyReturnSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = EasyReturn
        fields = [
            "id",
            "shipping_company",
            "code",
            "start_date",
            "end_date",
            "max_count",
            "status",
            "raw_request",
            "raw_response",
            "tracking_number",
            "tracking_url",
            "pickup_date",
            "created_date",
            "modified_date",
            "uuid",
        ]
        read_only_fields = fields


ENTITY_FIELDS = [
    "attributes",
    "attributes_kwargs",
    "localized_attributes",
    "localized_attributes_kwargs",
]

FLAT_FIELDS = [
    "id",
    "order_item",
    "reason",
    "description",
    "cancellation_type",
    "status",
    "iban",
    "holder_name",
    "easy_return",
    "quantity",
    "fully_refund_as_loyalty_money",
    "created_date",
    "modified_date",
    "uuid",
    *ENTITY_FIELDS,
]


class CancellationRequestSerializer(PrebuiltFields, serializers.ModelSerializer):
    """The flat object; on create ``status`` is read-only and always starts "waiting".

    Its fields are written out in ``get_fields`` rather than declared or derived from the
    model: a ModelSerializer deep-copies declared fields and introspects the model on every
    instantiation, which was most of the cost of a write.
    """

    memoised: ClassVar[dict[str, str]] = {"easy_return": "easy_return_id"}

    class Meta:
        model = CancellationRequest
        fields = FLAT_FIELDS

    def get_fields(self) -> dict[str, serializers.Field]:
        creating = self.instance is None
        if faults.is_on("invalid_enum_accepted"):
            cancellation_type: serializers.Field = serializers.CharField(
                required=creating, max_length=64
            )
        else:
            cancellation_type = serializers.ChoiceField(choices=CancellationType.choices)
        return {
            "id": serializers.IntegerField(label="ID", read_only=True),
            "order_item": ChannelScopedPrimaryKeyField(
                usable_order_items, queryset=OrderItem.objects.all()
            ),
            "reason": ChannelScopedPrimaryKeyField(
                usable_reasons, queryset=CancellationReason.objects.all()
            ),
            "description": serializers.CharField(allow_null=True, allow_blank=True, required=False),
            "cancellation_type": cancellation_type,
            # Create: the documented body has no status; whatever is sent is ignored.
            "status": serializers.CharField(read_only=True)
            if creating
            else serializers.ChoiceField(choices=CancellationRequestStatus.choices, required=False),
            "iban": serializers.CharField(
                allow_null=True, allow_blank=True, required=False, max_length=64
            ),
            "holder_name": serializers.CharField(
                allow_null=True, allow_blank=True, required=False, max_length=255
            ),
            "easy_return": EasyReturnSerializer(read_only=True, allow_null=True),
            "quantity": serializers.IntegerField(
                allow_null=True,
                required=False,
                min_value=0 if faults.is_on("validation_quantity_zero_accepted") else 1,
                max_value=INT32_MAX,
            ),
            "fully_refund_as_loyalty_money": serializers.BooleanField(required=False),
            "created_date": serializers.DateTimeField(read_only=True),
            "modified_date": serializers.DateTimeField(read_only=True),
            "uuid": serializers.UUIDField(read_only=True),
            **{name: serializers.JSONField(read_only=True) for name in ENTITY_FIELDS},
        }

    def create(self, validated_data: dict[str, Any]) -> CancellationRequest:
        validated_data["channel"] = self.context["channel"]
        validated_data["status"] = CancellationRequestStatus.WAITING
        validated_data["easy_return_id"] = first_easy_return_id(validated_data["order_item"])
        return super().create(validated_data)

    def update(self, instance: CancellationRequest, validated_data: dict[str, Any]) -> Any:
        item = validated_data.get("order_item")
        if item is not None and item.pk != instance.order_item_id:
            validated_data["easy_return_id"] = first_easy_return_id(item)
        return super().update(instance, validated_data)

    def validate_description(self, value: str | None) -> str | None:
        if value and len(value) > 1000 and faults.is_on("robust_long_description_500"):
            raise faults.InjectedFault("description longer than a VARCHAR(1000)")
        return value

    def validate_holder_name(self, value: str | None) -> str | None:
        if value and not value.isascii() and faults.is_on("robust_unicode_holder_name_500"):
            raise faults.InjectedFault("holder_name encoded as ASCII")
        return value

    def to_representation(self, instance: CancellationRequest) -> dict[str, Any]:
        data = super().to_representation(instance)
        if faults.is_on("flat_missing_status"):
            data.pop("status", None)
        if faults.is_on("shape_flat_missing_id"):
            data.pop("id", None)
        if faults.is_on("shape_flat_missing_created_date"):
            data.pop("created_date", None)
        if faults.is_on("shape_order_item_as_string"):
            data["order_item"] = str(data["order_item"])
        if faults.is_on("shape_bad_created_date"):
            data["created_date"] = instance.created_date.strftime("%d/%m/%Y %H:%M")
        if faults.is_on("shape_bad_uuid"):
            data["uuid"] = instance.uuid.hex
        if faults.is_on("shape_status_pending") and data.get("status") == "waiting":
            data["status"] = "pending"
        return data


# Detailed representation ---------------------------------------------------------------------


class OrderSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = [
            "pk",
            "number",
            "channel",
            "customer",
            "date_placed",
            "extra_field",
            "payment_option",
            "payment_option_slug",
            "bin_number",
            "installment",
            "installment_count",
            "installment_interest_amount",
            "cargo_company",
            "is_send",
            "delivery_type",
            "cancellation_info",
            "cancel_status",
            "shipping_interest_amount",
            "external_status",
            "client_type",
            "carrier_shipping_code",
            "segment",
            "checkout_provider_id",
            "status",
            "currency",
            "amount",
            "discount_amount",
            "shipping_amount",
            "shipping_tax_rate",
            "refund_amount",
            "discount_refund_amount",
            "shipping_refund_amount",
            "invoice_number",
            "invoice_date",
            "e_archive_url",
            "tracking_number",
            "defined_tracking_url",
            "shipping_company",
            "remote_addr",
            "has_gift_box",
            "gift_box_note",
            "language_code",
            "notes",
            "delivery_range",
            "shipping_option_slug",
            "created_date",
            "modified_date",
        ]


class ProductSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "base_code",
            "sku",
            "uuid",
            "description",
            "brand",
            "erp_categories",
            "tax_rate",
            "weight",
            "product_type",
            "productization_date",
            "data_source",
            "created_date",
            "modified_date",
            "is_active",
            "attribute_set",
            "parent",
            "group_products",
            "attributes",
            "listing_code",
            "is_seller_product",
            "custom_attribute_set",
        ]


class PriceListSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = PriceList
        fields = ["pk", "name", "code", "currency", "is_auto_sync", "created_date", "modified_date"]


class StockListSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = StockList
        fields = ["pk", "name", "code", "is_auto_sync", "created_date", "modified_date"]


class DataSourceSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = DataSource
        fields = [
            "pk",
            "name",
            "slug",
            "stock_list",
            "price_list",
            "is_active",
            "token",
            "conf",
            "commission",
            "maturity",
            "supplier_code",
            "supplier_detail",
            "easy_return_detail",
            "extras",
            "data_source_type",
            "created_date",
            "modified_date",
        ]


class ShippingOptionGroupSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = ShippingOptionGroup
        fields = [
            "pk",
            "amount",
            "tax_rate",
            "shipping_option_slug",
            "created_date",
            "modified_date",
        ]


class BenefitApplicantSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = BenefitApplicant
        fields = ["created_date", "modified_date"]


class OrderItemSerializer(PrebuiltFields, serializers.ModelSerializer):
    order = OrderSerializer()
    product = ProductSerializer()
    price_list = PriceListSerializer()
    stock_list = StockListSerializer()
    benefitapplicant_set = BenefitApplicantSerializer(many=True)
    datasource = DataSourceSerializer(allow_null=True)
    shipping_option_group = ShippingOptionGroupSerializer(allow_null=True)

    class Meta:
        model = OrderItem
        fields = [
            "pk",
            "order",
            "product",
            "price_list",
            "stock_list",
            "status",
            "price_currency",
            "price",
            "tax_rate",
            "shipping_company",
            "shipment_code",
            "cancel_status",
            "is_tradable",
            "installment_interest_amount",
            "benefitapplicant_set",
            "external_status",
            "datasource",
            "tracking_url",
            "shipping_option_group",
            "forced_refund",
            "extra_field",
            "created_date",
            "modified_date",
            *ENTITY_FIELDS,
        ]


class ReasonSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = CancellationReason
        fields = [
            "pk",
            "cancellation_type",
            "extra_information_needed",
            "order",
            "subject",
            "is_active",
            "send_to_remote",
            "send_to_oms",
            "translations",
            "uuid",
            "created_date",
            "modified_date",
        ]


class ChannelSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = [
            "id",
            "name",
            "catalog",
            "channel_type",
            "conf",
            "category_tree",
            "is_active",
            "schema",
            "created_date",
            "modified_date",
        ]


class CustomerSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "pk",
            "email",
            "first_name",
            "last_name",
            "phone_number",
            "is_active",
            "channel_code",
            "erp_code",
            "attributes",
            "attribute_kwargs",
            "localized_attributes",
            "localized_attribute_kwargs",
            "extra_field",
            "email_allowed",
            "sms_allowed",
            "call_allowed",
            "date_joined",
            "gender",
            "user_type",
            "date_of_birth",
            "channel",
        ]


class DetailedListSerializer(serializers.ListSerializer):
    """Fills the memo for a whole page in a few queries before rendering its items."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        instances = list(data)
        remember_nested(instances, self.child.memoised, context.memo())
        return [self.child.to_representation(item) for item in instances]


class CancellationRequestDetailedSerializer(PrebuiltFields, serializers.ModelSerializer):
    """The detailed object: related ids expanded, plus the channel and the order's customer."""

    order_item = OrderItemSerializer()
    reason = ReasonSerializer()
    easy_return = EasyReturnSerializer(allow_null=True)
    channel = ChannelSerializer()
    customer = CustomerSerializer(source="order_item.order.customer")

    memoised: ClassVar[dict[str, str]] = {
        "order_item": "order_item_id",
        "reason": "reason_id",
        "easy_return": "easy_return_id",
        "channel": "channel_id",
        "customer": "order_item_id",
    }

    class Meta:
        model = CancellationRequest
        fields = [
            "id",
            "order_item",
            "reason",
            "description",
            "cancellation_type",
            "status",
            "iban",
            "holder_name",
            "easy_return",
            "quantity",
            "fully_refund_as_loyalty_money",
            "channel",
            "customer",
        ]
        read_only_fields = fields
        list_serializer_class = DetailedListSerializer

    def to_representation(self, instance: CancellationRequest) -> dict[str, Any]:
        data = super().to_representation(instance)
        # Memoised parts are shared between responses: a fault replaces, never mutates, them.
        if faults.is_on("shape_detailed_flattened"):
            data["order_item"] = instance.order_item_id
        if faults.is_on("shape_customer_email_number"):
            data["customer"] = {**data["customer"], "email": 4242}
        if faults.is_on("shape_order_number_int") and isinstance(data["order_item"], dict):
            order = data["order_item"]["order"]
            data["order_item"] = {**data["order_item"], "order": {**order, "number": order["pk"]}}
        return data


# Memoised nested parts -----------------------------------------------------------------------


def _nested_sources() -> dict[str, tuple[Any, type[serializers.Serializer]]]:
    """Memo kind -> (ids -> rows keyed by that id, the serializer that renders a row)."""
    return {
        "order_item": (
            lambda ids: {
                item.pk: item
                for item in OrderItem.objects.filter(pk__in=ids)
                .select_related(
                    "order",
                    "product",
                    "price_list",
                    "stock_list",
                    "datasource",
                    "shipping_option_group",
                )
                .prefetch_related("benefitapplicant_set")
            },
            OrderItemSerializer,
        ),
        # Keyed by order item, as the detailed object reaches it through order_item.order.
        "customer": (
            lambda ids: {
                item.pk: item.order.customer
                for item in OrderItem.objects.filter(pk__in=ids).select_related("order__customer")
            },
            CustomerSerializer,
        ),
        "reason": (
            lambda ids: CancellationReason.objects.in_bulk(ids),
            ReasonSerializer,
        ),
        "easy_return": (lambda ids: EasyReturn.objects.in_bulk(ids), EasyReturnSerializer),
        "channel": (lambda ids: Channel.objects.in_bulk(ids), ChannelSerializer),
    }


def remember_nested(
    instances: Sequence[CancellationRequest], fields: dict[str, str], memo: dict[Any, Any]
) -> None:
    """Render into ``memo`` the nested ``fields`` (name -> id attribute) it lacks."""
    sources = None
    for name, attribute in fields.items():
        missing = {
            pk
            for instance in instances
            if (pk := getattr(instance, attribute)) is not None and (name, pk) not in memo
        }
        if not missing:
            continue
        sources = sources or _nested_sources()
        rows, serializer_class = sources[name]
        for pk, row in rows(missing).items():
            memo[name, pk] = _json_native(serializer_class().to_representation(row))


def _json_native(value: Any) -> Any:
    """``value`` with decimals as floats, as the renderer's encoder would turn them.

    The JSON encoder calls back into Python for every Decimal; a memoised part is encoded
    on every response, so it is converted once here instead.
    """
    if isinstance(value, dict):
        return {key: _json_native(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_native(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    return value
