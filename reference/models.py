"""The slice of Omnitron's data model that a cancellation request touches.

Only what the documented flat and detailed representations show is stored; fields whose
documented values are opaque examples (conf, extras, translations …) are JSON columns.
Order and order-item statuses are Omnitron order-status codes kept as strings ("400").
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


def _money() -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, default=0)


class Stamped(models.Model):
    """StarterModel: creation and modification times."""

    created_date = models.DateTimeField(default=timezone.now)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Entity(models.Model):
    """Entity: the four free-form attribute objects."""

    attributes = models.JSONField(default=dict)
    attributes_kwargs = models.JSONField(default=dict)
    localized_attributes = models.JSONField(default=dict)
    localized_attributes_kwargs = models.JSONField(default=dict)

    class Meta:
        abstract = True


class Channel(Stamped):
    name = models.CharField(max_length=255)
    catalog = models.IntegerField(default=1)
    channel_type = models.CharField(max_length=32, default="web")
    conf = models.JSONField(default=dict)
    category_tree = models.CharField(max_length=255, default="")
    is_active = models.BooleanField(default=True)
    schema = models.JSONField(default=dict)


class ApiKey(models.Model):
    """An API token; what it may do is decided per channel by its grants."""

    key = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=64)

    # DRF's permission checks ask the principal whether it is authenticated.
    is_authenticated = True


class ChannelGrant(models.Model):
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="grants")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="grants")
    can_write = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "channel"], name="one_grant_per_channel")
        ]


class Customer(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="customers")
    email = models.CharField(max_length=254)
    first_name = models.CharField(max_length=255)
    last_name = models.CharField(max_length=255)
    phone_number = models.CharField(max_length=128, null=True)
    is_active = models.BooleanField(default=True)
    channel_code = models.CharField(max_length=64)
    erp_code = models.CharField(max_length=64, null=True)
    # Customer spells these "attribute_kwargs" (singular), unlike Entity.
    attributes = models.JSONField(default=dict)
    attribute_kwargs = models.JSONField(default=dict)
    localized_attributes = models.JSONField(default=dict)
    localized_attribute_kwargs = models.JSONField(default=dict)
    extra_field = models.JSONField(default=dict)
    email_allowed = models.BooleanField(default=True)
    sms_allowed = models.BooleanField(default=False)
    call_allowed = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    gender = models.CharField(max_length=16, null=True)
    user_type = models.CharField(max_length=16, default="guest")
    date_of_birth = models.DateField(null=True)


class PriceList(Stamped):
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=64)
    currency = models.CharField(max_length=8, default="try")
    is_auto_sync = models.BooleanField(default=False)


class StockList(Stamped):
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=64)
    is_auto_sync = models.BooleanField(default=False)


class DataSource(Stamped):
    name = models.CharField(max_length=255)
    slug = models.CharField(max_length=255)
    stock_list = models.IntegerField(null=True)
    price_list = models.IntegerField(null=True)
    is_active = models.BooleanField(default=True)
    token = models.CharField(max_length=64, default="")
    conf = models.JSONField(default=dict)
    commission = _money()
    maturity = models.IntegerField(default=0)
    supplier_code = models.CharField(max_length=64, default="")
    supplier_detail = models.JSONField(default=dict)
    easy_return_detail = models.JSONField(default=dict)
    extras = models.JSONField(default=dict)
    data_source_type = models.CharField(max_length=32, default="unified")


class Product(Stamped):
    name = models.CharField(max_length=255)
    base_code = models.CharField(max_length=64)
    sku = models.CharField(max_length=64)
    uuid = models.UUIDField(default=uuid.uuid4)
    description = models.TextField(default="")
    brand = models.IntegerField(null=True)
    erp_categories = models.JSONField(default=list)
    tax_rate = _money()
    weight = _money()
    product_type = models.CharField(max_length=32, default="0")
    productization_date = models.DateTimeField(default=timezone.now)
    data_source = models.IntegerField(null=True)
    is_active = models.BooleanField(default=True)
    attribute_set = models.IntegerField(null=True)
    parent = models.IntegerField(null=True)
    group_products = models.JSONField(default=list)
    attributes = models.JSONField(default=dict)
    listing_code = models.CharField(max_length=64, default="")
    is_seller_product = models.BooleanField(default=False)
    custom_attribute_set = models.IntegerField(null=True)


class Order(Stamped):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="orders")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    number = models.CharField(max_length=128)
    date_placed = models.DateTimeField()
    extra_field = models.JSONField(default=dict)
    payment_option = models.IntegerField(null=True)
    payment_option_slug = models.CharField(max_length=64, default="credit-card")
    bin_number = models.CharField(max_length=16, null=True)
    installment = models.IntegerField(null=True)
    installment_count = models.IntegerField(default=1)
    installment_interest_amount = _money()
    cargo_company = models.IntegerField(null=True)
    is_send = models.BooleanField(default=False)
    delivery_type = models.CharField(max_length=32, null=True)
    cancellation_info = models.JSONField(default=dict)
    cancel_status = models.CharField(max_length=32, null=True)
    shipping_interest_amount = _money()
    external_status = models.IntegerField(null=True)
    client_type = models.CharField(max_length=32, default="default")
    carrier_shipping_code = models.CharField(max_length=64, null=True)
    segment = models.CharField(max_length=64, null=True)
    checkout_provider_id = models.IntegerField(null=True)
    status = models.CharField(max_length=8, default="400")
    currency = models.CharField(max_length=8, default="try")
    amount = _money()
    discount_amount = _money()
    shipping_amount = _money()
    shipping_tax_rate = _money()
    refund_amount = _money()
    discount_refund_amount = _money()
    shipping_refund_amount = _money()
    invoice_number = models.CharField(max_length=64, null=True)
    invoice_date = models.DateTimeField(null=True)
    e_archive_url = models.CharField(max_length=255, null=True)
    tracking_number = models.CharField(max_length=64, null=True)
    defined_tracking_url = models.CharField(max_length=255, null=True)
    shipping_company = models.CharField(max_length=32, null=True)
    remote_addr = models.CharField(max_length=64, null=True)
    has_gift_box = models.BooleanField(default=False)
    gift_box_note = models.CharField(max_length=255, null=True)
    language_code = models.CharField(max_length=8, default="en")
    notes = models.TextField(null=True)
    delivery_range = models.JSONField(null=True)
    shipping_option_slug = models.CharField(max_length=64, null=True)


class ShippingOptionGroup(Stamped):
    amount = _money()
    tax_rate = _money()
    shipping_option_slug = models.CharField(max_length=64)


class OrderItem(Stamped, Entity):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE)
    stock_list = models.ForeignKey(StockList, on_delete=models.CASCADE)
    datasource = models.ForeignKey(DataSource, on_delete=models.SET_NULL, null=True)
    status = models.CharField(max_length=8, default="400")
    price_currency = models.CharField(max_length=8, default="try")
    price = _money()
    tax_rate = _money()
    shipping_company = models.CharField(max_length=32, null=True)
    shipment_code = models.CharField(max_length=64, null=True)
    cancel_status = models.CharField(max_length=32, null=True)
    is_tradable = models.BooleanField(default=True)
    installment_interest_amount = _money()
    external_status = models.JSONField(null=True)
    tracking_url = models.CharField(max_length=255, null=True)
    shipping_option_group = models.ForeignKey(
        ShippingOptionGroup, on_delete=models.SET_NULL, null=True
    )
    forced_refund = models.BooleanField(default=False)
    extra_field = models.JSONField(default=dict)
    quantity = models.PositiveIntegerField(default=1)


class BenefitApplicant(Stamped):
    order_item = models.ForeignKey(
        OrderItem, on_delete=models.CASCADE, related_name="benefitapplicant_set"
    )


class CancellationType(models.TextChoices):
    CANCEL = "cancel"
    REFUND = "refund"


class CancellationRequestStatus(models.TextChoices):
    WAITING = "waiting"
    APPROVED = "approved"
    REJECTED = "rejected"


class CancellationPlanStatus(models.TextChoices):
    # Only these two values are documented (SEED/S3 and S4); the real list is unknown.
    WAITING = "waiting"
    COMPLETED = "completed"


class CancellationReason(Stamped):
    # Null channel: a reason every channel may use.
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, null=True)
    cancellation_type = models.CharField(
        max_length=16, choices=CancellationType.choices, default=CancellationType.CANCEL
    )
    extra_information_needed = models.BooleanField(default=False)
    order = models.IntegerField(default=100)
    subject = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    send_to_remote = models.BooleanField(default=False)
    send_to_oms = models.BooleanField(default=False)
    translations = models.JSONField(default=dict)
    uuid = models.UUIDField(default=uuid.uuid4)


class CancellationPlan(Stamped):
    order_item = models.ForeignKey(
        OrderItem, on_delete=models.CASCADE, related_name="cancellation_plans"
    )
    status = models.CharField(max_length=16, choices=CancellationPlanStatus.choices)
    plan_type = models.CharField(max_length=16, choices=CancellationType.choices)


class EasyReturn(Stamped):
    order_item = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="easy_returns")
    shipping_company = models.CharField(max_length=32, default="yurtici")
    code = models.CharField(max_length=64)
    start_date = models.DateTimeField(default=timezone.now)
    end_date = models.DateTimeField(default=timezone.now)
    max_count = models.IntegerField(default=1)
    status = models.CharField(max_length=16, default="active")
    raw_request = models.TextField(default="")
    raw_response = models.TextField(default="")
    tracking_number = models.CharField(max_length=64, null=True)
    tracking_url = models.CharField(max_length=255, null=True)
    # The documented example shows an empty object here, not a date.
    pickup_date = models.JSONField(default=dict)
    uuid = models.UUIDField(default=uuid.uuid4)


class CancellationRequest(Stamped, Entity):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="requests")
    order_item = models.ForeignKey(OrderItem, on_delete=models.CASCADE)
    reason = models.ForeignKey(CancellationReason, on_delete=models.PROTECT)
    description = models.TextField(null=True, blank=True)
    cancellation_type = models.CharField(max_length=16, choices=CancellationType.choices)
    status = models.CharField(
        max_length=16,
        choices=CancellationRequestStatus.choices,
        default=CancellationRequestStatus.WAITING,
    )
    iban = models.CharField(max_length=64, null=True, blank=True)
    holder_name = models.CharField(max_length=255, null=True, blank=True)
    easy_return = models.ForeignKey(EasyReturn, on_delete=models.SET_NULL, null=True)
    quantity = models.PositiveIntegerField(null=True)
    fully_refund_as_loyalty_money = models.BooleanField(default=False)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True)

    class Meta:
        ordering = ["id"]
