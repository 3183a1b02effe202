"""Seeds: `empty` (the ROOT domain and the root admin) and `demo` (a two-zone DR playground, demo.py);
tenants.py builds the benchmark topology of the `seed-tenants` control op.

A seed runs only on an empty database: a restarted simulator keeps what it had. Seeds build through
the API (``sim.run_now``), so they obey the same rules as API callers.
"""

from ..context import Context
from ..model.accounts import add_account, add_domain
from .demo import TENANTS, seed_demo


def seed(sim, name, replication_lag=0.0):
    """replication_lag: the demo's storage mirrors' lag in seconds."""
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
            seed_demo(sim, Context(sim, sim.root_caller(), sim.spec.get("listZones"), {}), replication_lag)
        sim.store.flush()
