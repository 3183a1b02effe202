"""Usage events: the rows CloudStack's usage server bills from (UsageEventUtils.publishUsageEvent).

CloudStack writes a usage_event row when an object starts or stops costing its owner (an IP
assigned, a VPC created, a port-forwarding rule added, a network implemented...); the usage server
turns them into hours. The simulator keeps them as store kind ``usageevent`` (the control op
``usage-events`` lists them), so a test can check what an operation costs. Action events (``event``)
are a different table: they say what happened, not what bills.
"""

from ..store import now


def usage_event(sim, etype, account, zone_id, resource, name=None, **fields):
    """One usage_event row charged to `account` (UsageEventVO: type, account, zone, resource id and name;
    `fields` are the type's extras, e.g. issourcenat for NET.IPASSIGN)."""
    sim.store.add("usageevent", {
        "type": etype, "accountid": account["id"], "account": account["name"], "domainid": account["domainid"],
        "zoneid": zone_id, "resourceid": resource["id"], "resourcename": name, "created": now(), **fields})
