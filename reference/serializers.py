"""Flat and detailed representations, exactly the field sets the documentation shows.

The flat serializer is also the write serializer (create, PUT, PATCH), as in the docs, where
``order_item`` and ``reason`` are ids both ways.  Related ids are scoped to the path's
channel, so another channel's order item is "does not exist", not a leak.  The detailed
serializer is read-only and nests everything the documented example nests.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import serializers

from reference import faults
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
    """A related id that must be an integer and name an object usable in the path channel."""

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
        return super().to_internal_value(int(data))


def usable_order_items(channel: Channel) -> QuerySet[OrderItem]:
    """Order items whose order belongs to ``channel``."""
    return OrderItem.objects.filter(order__channel=channel)


def usable_reasons(channel: Channel) -> QuerySet[CancellationReason]:
    """Active reasons that are global or belong to ``channel``."""
    return CancellationReason.objects.filter(Q(channel=None) | Q(channel=channel), is_active=True)


class EasyReturnSerializer(serializers.ModelSerializer):
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


class CancellationRequestSerializer(serializers.ModelSerializer):
    """The flat object; on create ``status`` is read-only and always starts "waiting"."""

    order_item = ChannelScopedPrimaryKeyField(usable_order_items, queryset=OrderItem.objects.all())
    reason = ChannelScopedPrimaryKeyField(usable_reasons, queryset=CancellationReason.objects.all())
    description = serializers.CharField(allow_null=True, allow_blank=True, required=False)
    cancellation_type = serializers.ChoiceField(choices=CancellationType.choices)
    status = serializers.ChoiceField(choices=CancellationRequestStatus.choices, required=False)
    iban = serializers.CharField(allow_null=True, allow_blank=True, required=False, max_length=64)
    holder_name = serializers.CharField(
        allow_null=True, allow_blank=True, required=False, max_length=255
    )
    easy_return = EasyReturnSerializer(read_only=True, allow_null=True)
    quantity = serializers.IntegerField(
        allow_null=True, required=False, min_value=1, max_value=INT32_MAX
    )

    class Meta:
        model = CancellationRequest
        fields = FLAT_FIELDS
        read_only_fields = ["id", "created_date", "modified_date", "uuid", *ENTITY_FIELDS]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.instance is None:
            # Create: the documented body has no status; whatever is sent is ignored.
            fields["status"] = serializers.CharField(read_only=True)
        if faults.is_on("invalid_enum_accepted"):
            fields["cancellation_type"] = serializers.CharField(
                required=self.instance is None, max_length=64
            )
        return fields

    def create(self, validated_data: dict[str, Any]) -> CancellationRequest:
        validated_data["channel"] = self.context["channel"]
        validated_data["status"] = CancellationRequestStatus.WAITING
        validated_data["easy_return"] = validated_data["order_item"].easy_returns.first()
        return super().create(validated_data)

    def update(self, instance: CancellationRequest, validated_data: dict[str, Any]) -> Any:
        item = validated_data.get("order_item")
        if item is not None and item.pk != instance.order_item_id:
            validated_data["easy_return"] = item.easy_returns.first()
        return super().update(instance, validated_data)

    def to_representation(self, instance: CancellationRequest) -> dict[str, Any]:
        data = super().to_representation(instance)
        if faults.is_on("flat_missing_status"):
            data.pop("status", None)
        return data


# Detailed representation ---------------------------------------------------------------------


class OrderSerializer(serializers.ModelSerializer):
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


class ProductSerializer(serializers.ModelSerializer):
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


class PriceListSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceList
        fields = ["pk", "name", "code", "currency", "is_auto_sync", "created_date", "modified_date"]


class StockListSerializer(serializers.ModelSerializer):
    class Meta:
        model = StockList
        fields = ["pk", "name", "code", "is_auto_sync", "created_date", "modified_date"]


class DataSourceSerializer(serializers.ModelSerializer):
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


class ShippingOptionGroupSerializer(serializers.ModelSerializer):
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


class BenefitApplicantSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenefitApplicant
        fields = ["created_date", "modified_date"]


class OrderItemSerializer(serializers.ModelSerializer):
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


class ReasonSerializer(serializers.ModelSerializer):
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


class ChannelSerializer(serializers.ModelSerializer):
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


class CustomerSerializer(serializers.ModelSerializer):
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


class CancellationRequestDetailedSerializer(serializers.ModelSerializer):
    """The detailed object: related ids expanded, plus the channel and the order's customer."""

    order_item = OrderItemSerializer()
    reason = ReasonSerializer()
    easy_return = EasyReturnSerializer(allow_null=True)
    channel = ChannelSerializer()
    customer = CustomerSerializer(source="order_item.order.customer")

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
