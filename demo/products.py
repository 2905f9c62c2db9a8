"""Demo catalogue for seed_demo: about 60 office and IT products in 8 categories.

Idempotent on SKU: a product whose SKU exists is left as it is.
"""

import random
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from products.models import Category, Product
from products.services import category_path_ensure
from sms.money import money

TAX_STANDARD = Decimal("20.00")
TAX_REDUCED = Decimal("5.00")

# category, SKU prefix, tax rate, [(name, list price, unit, reorder point, reorder qty)]
CATALOGUE: tuple[tuple[str, str, Decimal, tuple], ...] = (
    (
        "Laptops & Computers",
        "CMP",
        TAX_STANDARD,
        (
            (
                'Lenovo ThinkPad E14 Gen 5, 14" i5, 16 GB, 512 GB',
                "899.00",
                "pcs",
                5,
                10,
            ),
            ('Dell Latitude 5440, 14" i7, 16 GB, 512 GB', "1249.00", "pcs", 4, 8),
            ('HP ProBook 450 G10, 15.6" i5, 8 GB, 256 GB', "749.00", "pcs", 5, 10),
            ('Apple MacBook Air 13" M2, 8 GB, 256 GB', "1099.00", "pcs", 3, 6),
            ("Lenovo ThinkCentre M70q Tiny, i5, 16 GB", "689.00", "pcs", 3, 6),
            ("Dell OptiPlex 7010 SFF, i7, 16 GB", "959.00", "pcs", 2, 5),
            ("Intel NUC 13 Pro Kit, i5", "549.00", "pcs", 2, 5),
            ("USB-C docking station, dual 4K", "189.00", "pcs", 4, 10),
        ),
    ),
    (
        "Monitors",
        "MON",
        TAX_STANDARD,
        (
            ('Dell P2423D 24" QHD IPS monitor', "279.00", "pcs", 6, 12),
            ('LG 27UP850-W 27" 4K USB-C monitor', "449.00", "pcs", 4, 8),
            ('Samsung S24C450 24" Full HD monitor', "149.00", "pcs", 8, 16),
            ('BenQ GW2790 27" eye-care monitor', "189.00", "pcs", 6, 12),
            ('AOC 34" curved ultrawide monitor CU34G2X', "329.00", "pcs", 2, 4),
            ("Dual monitor desk arm, gas spring", "89.00", "pcs", 5, 10),
            ("Monitor riser with drawer, walnut", "39.90", "pcs", 5, 15),
        ),
    ),
    (
        "Keyboards & Mice",
        "KBM",
        TAX_STANDARD,
        (
            ("Logitech MX Keys S wireless keyboard", "119.00", "pcs", 8, 20),
            ("Logitech MX Master 3S mouse", "99.00", "pcs", 8, 20),
            ("Microsoft Ergonomic Keyboard", "59.90", "pcs", 6, 15),
            ("Logitech MK270 wireless desktop set", "29.90", "pcs", 15, 40),
            ("Cherry KC 1000 USB keyboard", "19.90", "pcs", 15, 40),
            ("Logitech M185 wireless mouse", "14.90", "pcs", 20, 50),
            ("Vertical ergonomic mouse, wireless", "34.90", "pcs", 6, 15),
            ("Gel wrist rest, keyboard", "12.50", "pcs", 10, 30),
        ),
    ),
    (
        "Networking",
        "NET",
        TAX_STANDARD,
        (
            ("TP-Link TL-SG108 8-port gigabit switch", "24.90", "pcs", 8, 20),
            ("Netgear GS316EP 16-port PoE+ switch", "239.00", "pcs", 2, 5),
            ("Ubiquiti UniFi U6 Lite access point", "109.00", "pcs", 4, 10),
            ("Cat6 patch cable 2 m, blue", "3.90", "pcs", 50, 200),
            ("Cat6 installation cable 305 m", "129.00", "box", 2, 4),
            ("FRITZ!Box 7590 AX router", "229.00", "pcs", 2, 5),
            ("USB-C to Ethernet adapter, gigabit", "19.90", "pcs", 10, 30),
        ),
    ),
    (
        "Printing Supplies",
        "PRT",
        TAX_STANDARD,
        (
            ("HP 305A black toner cartridge", "89.90", "pcs", 10, 25),
            ("HP 305A cyan toner cartridge", "109.00", "pcs", 6, 15),
            ("Brother TN-2420 black toner", "69.90", "pcs", 10, 25),
            ("Canon PG-545XL black ink", "27.90", "pcs", 12, 30),
            ("Epson 603XL ink multipack", "49.90", "pack", 8, 20),
            ("Brother DR-2400 drum unit", "99.00", "pcs", 3, 8),
            ("Shipping labels 99 x 38 mm, 1,400 labels", "24.90", "box", 8, 20),
        ),
    ),
    (
        "Paper & Stationery",
        "PAP",
        TAX_STANDARD,
        (
            ("Copy paper A4 80 g, 500 sheets", "5.49", "ream", 100, 400),
            ("Copy paper A4 80 g, box of 5 reams", "24.90", "box", 40, 120),
            ("Premium paper A4 100 g, 500 sheets", "9.90", "ream", 30, 100),
            ("Lever arch file A4, 80 mm, black", "3.49", "pcs", 50, 200),
            ("Ballpoint pens, blue, box of 50", "14.90", "box", 20, 60),
            ("Sticky notes 76 x 76 mm, 12 pads", "11.90", "pack", 20, 60),
            ("Whiteboard markers, 4 colours", "6.90", "set", 20, 60),
            ("Spiral notebook A5, ruled", "3.90", "pcs", 40, 150),
        ),
    ),
    (
        "Office Furniture",
        "FUR",
        TAX_STANDARD,
        (
            ("Ergonomic office chair with lumbar support", "349.00", "pcs", 3, 6),
            ("Electric sit-stand desk 160 x 80 cm", "589.00", "pcs", 2, 4),
            ("Mobile pedestal, 3 drawers, lockable", "179.00", "pcs", 3, 6),
            ("Meeting table 200 x 100 cm, oak", "699.00", "pcs", 1, 2),
            ("Steel filing cabinet, 4 drawers", "299.00", "pcs", 2, 4),
            ("Acoustic desk divider 140 cm", "159.00", "pcs", 4, 8),
            ("Footrest, adjustable", "39.90", "pcs", 5, 15),
        ),
    ),
    (
        "Audio & Video",
        "AV",
        TAX_STANDARD,
        (
            ("Jabra Evolve2 65 wireless headset", "219.00", "pcs", 6, 12),
            ("Poly Blackwire 3320 USB headset", "59.90", "pcs", 10, 25),
            ("Logitech C920 HD Pro webcam", "79.90", "pcs", 8, 20),
            ("Logitech Rally Bar Mini", "2790.00", "pcs", 1, 2),
            ("Jabra Speak2 75 conference speaker", "329.00", "pcs", 3, 6),
            ("Epson EB-W51 projector", "589.00", "pcs", 1, 3),
            ("HDMI cable 2 m, 4K", "9.90", "pcs", 30, 100),
            ("Wireless presenter with laser", "29.90", "pcs", 5, 15),
        ),
    ),
)


def products_demo_create(*, rng: random.Random) -> list[Product]:
    """Create the demo catalogue's missing products; returns the ones created."""
    with transaction.atomic():
        existing = set(Product.objects.values_list("sku", flat=True))
        created: list[Product] = []
        for category_name, prefix, tax_rate, items in CATALOGUE:
            category: Category = category_path_ensure(path=(category_name,))
            for number, (name, price, unit, point, quantity) in enumerate(items, 1):
                sku = f"{prefix}-{number * 10 + 1000}"
                # Draw for every product, new or not, so a second run's random
                # stream (and the stock it seeds) does not depend on what existed.
                cost_ratio = Decimal(rng.randint(52, 78)) / 100
                if sku in existing:
                    continue
                list_price = Decimal(price)
                created.append(
                    Product(
                        sku=sku,
                        name=name,
                        category=category,
                        unit=unit,
                        list_price=list_price,
                        cost=money(list_price * cost_ratio),
                        tax_rate=tax_rate,
                        reorder_point=point,
                        reorder_quantity=quantity,
                        description=f"{name}. Demo product.",
                    )
                )
        if created:
            created = bulk_create_with_history(created, Product, batch_size=200)
    return created
