"""Templates (one row, one id, several zones) and the guest OS types they name."""

import uuid

from .units import GIB

_OS_NS = uuid.UUID("6f1b8a3e-4c1d-4d0e-9a57-0c0a1d2e3f40")
# (name, category): a few of CloudStack's guest OS types, with stable ids across restarts
OS_TYPES = [
    {"id": str(uuid.uuid5(_OS_NS, name)), "description": name, "name": name, "isuserdefined": False,
     "fordisplay": True, "oscategoryid": str(uuid.uuid5(_OS_NS, category)), "oscategoryname": category}
    for name, category in (("Debian GNU/Linux 12 (64-bit)", "Debian"), ("Ubuntu 22.04 LTS", "Ubuntu"),
                           ("Rocky Linux 9", "CentOS"), ("Other Linux (64-bit)", "Other"))
]


def os_type(ctx, name="ostypeid"):
    """The OS type a parameter names (None when absent); 431 for an unknown id."""
    wanted = ctx.get(name)
    if wanted is None:
        return None
    for ostype in OS_TYPES:
        if ostype["id"] == wanted:
            return ostype
    raise ctx.invalid_value(name, wanted)


def os_type_named(description):
    return next(o for o in OS_TYPES if o["description"] == description)


def add_template(ctx, owner, name, zones, ostype, **fields):
    """A template row is the template; `_zones` is CloudStack's template_zone_ref (one id, many zones)."""
    template = {
        "name": name, "displaytext": fields.pop("displaytext", name), "ostypeid": ostype["id"],
        "ostypename": ostype["description"], "format": "QCOW2", "hypervisor": "KVM", "isready": True,
        "ispublic": False, "isfeatured": False, "isextractable": False, "passwordenabled": False,
        "sshkeyenabled": False, "bootable": True, "crossZones": False, "templatetype": "USER",
        "size": 2 * GIB, "status": "Download Complete", "_zones": [z["id"] for z in zones],
    }
    template.update(fields)
    return ctx.store.add("template", ctx.owned(template, owner))


def in_zone(template, zone_id):
    return zone_id in template["_zones"]
