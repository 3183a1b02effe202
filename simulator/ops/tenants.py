"""The control op that seeds the benchmark topology (seeding/tenants.py builds it)."""

import time

from .. import control
from ..seeding.tenants import seed_tenants


@control.op("seed-tenants")
def op_seed_tenants(sim, accounts=10, vms=100, zone="zone-a", dr_fraction=0.5, volumes_max=3, start=True,
                    recovery_zone=None):
    """N tenant accounts in domain customers, each with an isolated network, and M VMs spread over
    them (DR offerings for a fraction F, 1..volumes_max volumes each, content markers, some with
    a public IP and a port-forwarding rule); hosts are added when capacity runs out. A recovery
    zone, if named, gets as many hosts added and free public IPs for twice what was seeded
    (mirrors and source NATs): room to fail every VM over."""
    began = time.monotonic()
    built = seed_tenants(sim, int(accounts), int(vms), zone, dr_fraction, volumes_max,
                         start not in (False, "false", 0), recovery_zone)
    return dict(built, seconds=round(time.monotonic() - began, 2))
