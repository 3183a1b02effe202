"""Seeds: `empty` (the ROOT domain and the root admin) and `demo` (a two-zone DR playground).

A seed runs only on an empty database: a restarted simulator keeps what it had.
Each handler module that owns part of the demo topology exposes ``seed_demo(sim, ctx)``;
they run in DEMO_ORDER so later parts can use earlier ones (VMs need networks need zones).
"""

import importlib

from .context import Context
from .handlers.accounts import add_account, add_domain

DEMO_ORDER = ("infra", "storage", "offerings", "network", "vm")
TENANTS = ("acme", "globex")


def seed(sim, name):
    with sim.lock:
        if sim.store.all("account"):
            return
        root = add_domain(sim.store, "ROOT")
        add_account(sim.store, "admin", root, accounttype=1)
        if name == "demo":
            customers = add_domain(sim.store, "customers", root)
            add_account(sim.store, "customers-admin", customers, accounttype=2)
            for tenant in TENANTS:
                add_account(sim.store, tenant, customers)
            ctx = Context(sim, sim.root_caller(), sim.spec.get("listZones"), {})
            for part in DEMO_ORDER:
                module = importlib.import_module(f"simulator.handlers.{part}")
                module.seed_demo(sim, ctx)
        sim.store.flush()
