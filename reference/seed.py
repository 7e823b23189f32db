"""Deterministic seed data, shaped so every documented filter has something to find.

Everything is derived from loop indices (no randomness, UUIDs from ``uuid5``), so the same
ids and values come back on every start.  The traps are deliberate: two order numbers and
two SKUs that differ only by case, two orders on one day at different times, an item with
two cancellation plans, a global and a channel-bound reason, an inactive reason, and a
third channel no key may see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from reference import context
from reference.models import (
    ApiKey,
    BenefitApplicant,
    CancellationPlan,
    CancellationReason,
    CancellationRequest,
    Channel,
    ChannelGrant,
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

NAMESPACE = uuid.UUID("6f1c1e8e-4a56-4c8e-9d7a-1f0a6f0c2b11")
T0 = dt.datetime(2025, 5, 1, 9, 0, tzinfo=dt.UTC)

SKUS = [
    "SKU-Alpha-01",
    "sku-ALPHA-01",  # differs from the one above only by case
    "Mug-WHITE-350",
    "cap-Black",
    "JEANS-32-34",
    "Sneaker-grey-42",
    "Scarf-Wool-RED",
    "bag-Tote-blue",
    "Watch-Steel-X",
    "sock-PACK-03",
    "Belt-Brown-L",
    "Lamp-Desk-07",
]
MAIN_ORDER_NUMBERS = [
    "ORD-1001a",
    "ord-1001A",  # differs from the one above only by case
    "Order-2002",
    "ORD-3003",
    "web-4004",
    "WEB-5005x",
    "Web-6006Y",
    "ORD-7007",
    "ord-8008",
    "Mixed-9009",
    "ORD-1010",
]
MAIN_CUSTOMERS = [
    ("Ayse", "Yilmaz", "Ayse.Yilmaz@Example.com"),
    ("Mehmet", "Demir", "mehmet.demir@example.com"),
    ("John", "Doe", "JOHN.DOE@example.com"),
    ("Elif", "Kaya", "elif.Kaya@Example.org"),
    ("Can", "Ozturk", "can.ozturk@example.net"),
]
OTHER_CUSTOMERS = [
    ("Maria", "Garcia", "maria.garcia@example.es"),
    ("Hans", "Muller", "Hans.Muller@example.de"),
]
ITEM_STATUSES = ["400", "450", "500", "550", "200"]
REQUEST_STATUSES = ["waiting", "approved", "rejected"]
ITEMS_PER_ORDER = 3


@dataclass(frozen=True)
class SeedFacts:
    """What a client needs to know about the seeded data."""

    channel_id: int
    other_channel_id: int
    order_items: tuple[int, ...]
    reasons: tuple[int, ...]
    # reasons that exist but belong to the other channel only: not usable in channel_id
    foreign_reasons: tuple[int, ...] = ()


def _uuid(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


def seed(api_key: str, readonly_api_key: str) -> SeedFacts:
    """Fill the bound server's empty database; return the facts about it."""
    with transaction.atomic(using=context.alias()):
        return _seed(api_key, readonly_api_key)


def _seed(api_key: str, readonly_api_key: str) -> SeedFacts:
    main = Channel.objects.create(
        name="Main Web Channel",
        channel_type="web",
        conf={"language": "en"},
        category_tree="main-tree",
        created_date=T0 - dt.timedelta(days=400),
    )
    other = Channel.objects.create(
        name="Marketplace Channel",
        channel_type="sales_channel",
        conf={"language": "es"},
        category_tree="marketplace-tree",
        created_date=T0 - dt.timedelta(days=300),
    )
    Channel.objects.create(name="Unreachable Channel", channel_type="web")  # no key may see it

    writer = ApiKey.objects.create(key=api_key, name="main")
    reader = ApiKey.objects.create(key=readonly_api_key, name="readonly")
    for channel in (main, other):
        ChannelGrant.objects.create(api_key=writer, channel=channel, can_write=True)
        ChannelGrant.objects.create(api_key=reader, channel=channel, can_write=False)

    price_list = PriceList.objects.create(
        name="Standard Price List", code="shop_price_list", is_auto_sync=True
    )
    stock_list = StockList.objects.create(name="Main Stock", code="main_stock")
    datasource = DataSource.objects.create(
        name="Example Data Source",
        slug="example-data-source",
        stock_list=stock_list.pk,
        price_list=price_list.pk,
        token="ds-token",
        commission=Decimal("5.00"),
        maturity=30,
        supplier_code="SUP-1",
    )
    shipping = ShippingOptionGroup.objects.create(
        amount=Decimal("0"), tax_rate=Decimal("18"), shipping_option_slug="standard-shipping"
    )
    products = [
        Product.objects.create(
            name=f"Product {n}",
            base_code=sku.split("-")[0],
            sku=sku,
            uuid=_uuid(f"product-{n}"),
            description=f"Seed product {n}",
            brand=1 + n % 3,
            erp_categories=[1 + n % 4],
            tax_rate=Decimal("18"),
            weight=Decimal("0.50") + n,
            product_type="0",
            productization_date=T0 - dt.timedelta(days=100 - n),
            data_source=datasource.pk,
            attribute_set=1,
            listing_code=f"LST-{n:03d}",
        )
        for n, sku in enumerate(SKUS)
    ]

    global_cancel = CancellationReason.objects.create(
        cancellation_type="cancel", subject="Changed my mind", uuid=_uuid("reason-1")
    )
    global_refund = CancellationReason.objects.create(
        cancellation_type="refund",
        subject="Damaged product",
        extra_information_needed=True,
        order=200,
        uuid=_uuid("reason-2"),
    )
    main_only = CancellationReason.objects.create(
        channel=main, cancellation_type="cancel", subject="Ordered by mistake", uuid=_uuid("r-3")
    )
    other_only = CancellationReason.objects.create(
        channel=other, cancellation_type="refund", subject="Wrong size", uuid=_uuid("reason-4")
    )
    CancellationReason.objects.create(
        cancellation_type="cancel", subject="Legacy reason", is_active=False, uuid=_uuid("r-5")
    )

    def customers(channel: Channel, people: list[tuple[str, str, str]]) -> list[Customer]:
        return [
            Customer.objects.create(
                channel=channel,
                email=email,
                first_name=first,
                last_name=last,
                phone_number=f"+90555000{n:04d}",
                channel_code=f"CH{channel.pk}-{n}",
                erp_code=f"ERP-{channel.pk}-{n}",
                attributes={"logged_ip": "127.0.0.1", "register_client_type": "default"},
                date_joined=T0 - dt.timedelta(days=200 + n),
                gender="female" if n % 2 else "male",
                user_type="registered" if n % 3 else "guest",
                date_of_birth=dt.date(1980 + n, 1 + n % 12, 1 + n),
            )
            for n, (first, last, email) in enumerate(people)
        ]

    counter = {"item": 0, "request": 0}

    def orders(
        channel: Channel, people: list[Customer], numbers: list[str], placed: list[dt.datetime]
    ) -> list[OrderItem]:
        items: list[OrderItem] = []
        for n, (number, when) in enumerate(zip(numbers, placed, strict=True)):
            order = Order.objects.create(
                channel=channel,
                customer=people[n % len(people)],
                number=number,
                date_placed=when,
                payment_option=1,
                bin_number="123456",
                installment=1,
                installment_count=1 + n % 6,
                cargo_company=1,
                delivery_type="next_day" if n % 2 else None,
                external_status=1,
                segment="premium" if n % 3 == 0 else None,
                status=ITEM_STATUSES[n % len(ITEM_STATUSES)],
                amount=Decimal("100.00") * (n + 1),
                shipping_amount=Decimal("9.90"),
                shipping_tax_rate=Decimal("18"),
                invoice_number=f"INV-{channel.pk}-{n:04d}",
                invoice_date=when + dt.timedelta(days=1),
                # One order has no tracking number; the rest are mixed case.
                tracking_number=None if n == 2 else f"Trk-{channel.pk}{n:03d}X",
                shipping_company="yurtici",
                remote_addr="192.168.0.1",
                language_code="en",
                delivery_range={
                    "start": (when + dt.timedelta(days=2)).isoformat(),
                    "end": (when + dt.timedelta(days=4)).isoformat(),
                },
                shipping_option_slug="standard-shipping",
                created_date=when,
            )
            for _ in range(ITEMS_PER_ORDER):
                k = counter["item"]
                counter["item"] += 1
                item = OrderItem.objects.create(
                    order=order,
                    product=products[k % len(products)],
                    price_list=price_list,
                    stock_list=stock_list,
                    datasource=datasource,
                    status=ITEM_STATUSES[k % len(ITEM_STATUSES)],
                    price=Decimal("49.90") + k,
                    tax_rate=Decimal("18"),
                    shipping_company="yurtici",
                    shipment_code=f"SHP{k:04d}",
                    external_status={
                        "id": str(_uuid(f"external-status-{k}")),
                        "name": "Approved",
                        "code": "approved",
                    },
                    tracking_url=f"https://tracking.example.com/{k}",
                    shipping_option_group=shipping,
                    quantity=1 + k % 3,
                    created_date=when,
                )
                items.append(item)
        return items

    def easy_return(item: OrderItem, n: int) -> EasyReturn:
        return EasyReturn.objects.create(
            order_item=item,
            code=f"EasyRet-{item.pk:04d}{'ab'[n % 2]}",
            start_date=T0 + dt.timedelta(days=20),
            end_date=T0 + dt.timedelta(days=34),
            raw_request="{}",
            raw_response="{}",
            tracking_number=f"ErTrk-{item.pk:04d}z",
            tracking_url=f"https://example.com/track/{item.pk}",
            uuid=_uuid(f"easy-return-{item.pk}"),
        )

    def requests(channel: Channel, items: list[OrderItem], reasons: list[CancellationReason]):
        for n, item in enumerate(items):
            k = counter["request"]
            counter["request"] += 1
            reason = reasons[n % len(reasons)]
            CancellationRequest.objects.create(
                channel=channel,
                order_item=item,
                reason=reason,
                description=f"Seed request {k}",
                cancellation_type=reason.cancellation_type,
                status=REQUEST_STATUSES[n % len(REQUEST_STATUSES)],
                iban="TR330006100519786457841326" if reason.cancellation_type == "refund" else None,
                holder_name="Account Holder" if reason.cancellation_type == "refund" else None,
                easy_return=item.easy_returns.first(),
                quantity=None if n % 4 == 3 else 1,
                fully_refund_as_loyalty_money=n % 5 == 4,
                uuid=_uuid(f"request-{k}"),
                attributes={"source": "seed"},
                localized_attributes={"note": {"en": "Seed", "tr": "Tohum"}},
                created_date=T0 + dt.timedelta(days=15, hours=k),
            )

    # Main channel: 11 orders on 10 distinct days (two on 2025-05-05, morning and evening).
    main_people = customers(main, MAIN_CUSTOMERS)
    placed = [T0 + dt.timedelta(days=d, minutes=7 * d) for d in range(10)]
    placed.append(T0 + dt.timedelta(days=4, hours=9, minutes=30))
    main_items = orders(main, main_people, MAIN_ORDER_NUMBERS, placed)
    for n, item in enumerate(main_items[::3][:8]):
        easy_return(item, n)
    for n, item in enumerate(main_items[:12]):
        if n % 3 == 1:
            CancellationPlan.objects.create(order_item=item, status="waiting", plan_type="cancel")
        elif n % 3 == 2:
            CancellationPlan.objects.create(order_item=item, status="completed", plan_type="refund")
    # An item with two plans, so a plan-status filter must not repeat its requests.
    CancellationPlan.objects.create(
        order_item=main_items[4], status="completed", plan_type="cancel"
    )
    for item in main_items[:6]:
        BenefitApplicant.objects.create(order_item=item)
    main_reasons = [global_cancel, global_refund, main_only]
    requests(main, main_items[:14], main_reasons)

    # Other channel: its own customers, orders, items, an easy return, a plan, requests.
    other_people = customers(other, OTHER_CUSTOMERS)
    other_placed = [T0 + dt.timedelta(days=d, hours=3) for d in (1, 4, 8)]
    other_items = orders(other, other_people, ["MP-0001", "mp-0002", "MP-0003"], other_placed)
    easy_return(other_items[0], 0)
    CancellationPlan.objects.create(order_item=other_items[1], status="waiting", plan_type="cancel")
    requests(other, other_items[:4], [global_cancel, global_refund, other_only])

    return SeedFacts(
        channel_id=main.pk,
        other_channel_id=other.pk,
        order_items=tuple(item.pk for item in main_items),
        reasons=tuple(reason.pk for reason in main_reasons),
        foreign_reasons=(other_only.pk,),
    )
