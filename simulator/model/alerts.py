"""Alerts as AlertManagerImpl.sendAlert records them."""

from ..store import now


def send_alert(store, alert_type, name, subject, zone_id, pod_id=None, once=True):
    """AlertManagerImpl.sendAlert: a new alert row, unless `once` (the types not exempted from AlertDaoImpl
    .getLastAlert) and an unarchived alert of the type is already there for the zone and pod. listAlerts answers the
    subject as its description."""
    if once and store.first("alert", type=alert_type, _zoneid=zone_id, _podid=pod_id, archived=False):
        return
    store.add("alert", {"type": alert_type, "name": name, "description": subject, "sent": now(), "archived": False,
                        "_zoneid": zone_id, "_podid": pod_id})
