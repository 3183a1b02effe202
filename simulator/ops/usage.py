"""Control op `usage-events`: the usage events CloudStack would have written (model/usage.py), for tests that
check what an operation costs its owner."""

from .. import control


@control.op("usage-events")
def usage_events(sim, account=None, type=None, resourceid=None):
    """Every usage event, oldest first, optionally of one account (name), one type or one resource id."""
    wanted = {"account": account, "type": type, "resourceid": resourceid}
    return [{k: v for k, v in e.items() if not k.startswith("_")} for e in sim.store.all("usageevent")
            if all(v is None or e.get(k) == v for k, v in wanted.items())]
