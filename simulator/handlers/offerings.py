"""Service and disk offerings, templates (one id, several zones), OS types, SSH key pairs,
affinity groups and registered user data."""

import base64
import binascii
import hashlib
import os
import uuid

from .. import errors
from ..contract import SUCCESS, Job, api
from ..store import now
from ._common import keyword_filter, public, tags_of

GIB = 1024 ** 3
TEMPLATE_FILTERS = ("featured", "self", "selfexecutable", "sharedexecutable", "executable", "community", "all")
AFFINITY_TYPES = ("host anti-affinity", "host affinity")
KEY_TYPES = ("ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
_OS_NS = uuid.UUID("6f1b8a3e-4c1d-4d0e-9a57-0c0a1d2e3f40")
# (name, category): a few of CloudStack's guest OS types, with stable ids across restarts
OS_TYPES = [
    {"id": str(uuid.uuid5(_OS_NS, name)), "description": name, "name": name, "isuserdefined": False,
     "fordisplay": True, "oscategoryid": str(uuid.uuid5(_OS_NS, category)), "oscategoryname": category}
    for name, category in (("Debian GNU/Linux 12 (64-bit)", "Debian"), ("Ubuntu 22.04 LTS", "Ubuntu"),
                           ("Rocky Linux 9", "CentOS"), ("Other Linux (64-bit)", "Other"))
]


def os_type(ctx, name="ostypeid"):
    wanted = ctx.get(name)
    if wanted is None:
        return None
    for ostype in OS_TYPES:
        if ostype["id"] == wanted:
            return ostype
    raise ctx.invalid_value(name, wanted)


def os_type_named(description):
    return next(o for o in OS_TYPES if o["description"] == description)


def _require_positive(ctx, name, what):
    value = ctx.get(name)
    if value is not None and value <= 0:
        raise errors.invalid(f"Failed to create service offering {ctx.p['name']}: specify the {what} value "
                             f"between 1 and 2147483647")
    return value


# -- service offerings -----------------------------------------------------------------------
def offering_view(offering):
    view = public(offering)
    view["storagetags"] = view.pop("tags", None)  # created with `tags`, answered as `storagetags`
    return view


@api("createServiceOffering")
def create_service_offering(ctx):
    customized = bool(ctx.p.get("customized"))
    sizes = {k: _require_positive(ctx, k, w) for k, w in
             (("cpunumber", "cpu number"), ("cpuspeed", "cpu speed"), ("memory", "memory"))}
    if not customized and None in sizes.values():
        raise errors.invalid("For creating a custom compute offering cpu, cpu speed and memory all should be null")
    offering = ctx.store.add("serviceoffering", {
        "name": ctx.p["name"], "displaytext": ctx.p["displaytext"], **sizes,
        "storagetype": ctx.get("storagetype", "shared"), "tags": ctx.get("tags"), "hosttags": ctx.get("hosttags"),
        "offerha": bool(ctx.p.get("offerha")), "iscustomized": customized, "issystem": False,
        "limitcpuuse": bool(ctx.p.get("limitcpuuse")), "isvolatile": False, "defaultuse": False,
        "provisioningtype": ctx.get("provisioningtype", "thin"), "cacheMode": "none",
        "rootdisksize": ctx.get("rootdisksize", 0), "dynamicscalingenabled": True, "state": "Active",
    })
    ctx.event("SERVICE.OFFERING.CREATE", f"Service offering {offering['name']} created")
    return offering_view(offering)


@api("listServiceOfferings")
def list_service_offerings(ctx):
    offerings = [o for o in ctx.store.all("serviceoffering") if not o.get("removed")]
    for field in ("cpunumber", "cpuspeed", "memory", "storagetype"):
        if ctx.has(field):
            offerings = [o for o in offerings if o.get(field) == ctx.p[field]]
    if ctx.has("virtualmachineid"):
        vm = ctx.lookup("vm", "virtualmachineid")
        offerings = [o for o in offerings if o["id"] != vm["serviceofferingid"]]  # what it can change to
    return [offering_view(o) for o in keyword_filter(ctx, offerings)]


@api("updateServiceOffering")
def update_service_offering(ctx):
    offering = ctx.lookup("serviceoffering", "id")
    for param, field in (("name", "name"), ("displaytext", "displaytext"), ("storagetags", "tags"),
                         ("hosttags", "hosttags")):
        if param in ctx.p:
            offering[field] = ctx.p[param] or None
    ctx.store.touch("serviceoffering", offering)
    ctx.event("SERVICE.OFFERING.EDIT", f"Service offering {offering['name']} updated")
    return offering_view(offering)


@api("deleteServiceOffering")
def delete_service_offering(ctx):
    offering = ctx.lookup("serviceoffering", "id")
    offering.update(state="Inactive", removed=now())  # CloudStack keeps the row: VMs still name it
    ctx.store.touch("serviceoffering", offering)
    ctx.event("SERVICE.OFFERING.DELETE", f"Service offering {offering['name']} deleted")
    return SUCCESS


# -- disk offerings --------------------------------------------------------------------------
@api("createDiskOffering")
def create_disk_offering(ctx):
    customized = bool(ctx.p.get("customized"))
    size = ctx.get("disksize")
    if not customized and not size:
        raise errors.invalid("Disksize is required for a non-customized disk offering")
    if size is not None and size <= 0:
        raise errors.invalid("Please specify a disk size of at least 1 GB.")
    offering = ctx.store.add("diskoffering", {
        "name": ctx.p["name"], "displaytext": ctx.p["displaytext"], "disksize": 0 if customized else size,
        "iscustomized": customized, "storagetype": ctx.get("storagetype", "shared"), "tags": ctx.get("tags"),
        "provisioningtype": ctx.get("provisioningtype", "thin"), "displayoffering": ctx.p.get("displayoffering", True),
        "cacheMode": "none", "encrypt": False, "state": "Active",
    })
    ctx.event("DISK.OFFERING.CREATE", f"Disk offering {offering['name']} created")
    return public(offering)


@api("listDiskOfferings")
def list_disk_offerings(ctx):
    offerings = [o for o in ctx.store.all("diskoffering") if not o.get("removed")]
    if not ctx.caller.is_admin:
        offerings = [o for o in offerings if o.get("displayoffering", True)]
    return [public(o) for o in keyword_filter(ctx, offerings)]


# -- templates -------------------------------------------------------------------------------
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


def _template_visible(ctx, template, tfilter):
    mine = template.get("accountid") == ctx.caller.account["id"]
    if tfilter == "featured":
        return template["isfeatured"] and template["ispublic"]
    if tfilter in ("self", "selfexecutable"):
        return mine or (ctx.caller.is_admin and ctx.can_see(template) and ctx.p.get("listall"))
    if tfilter == "community":
        return template["ispublic"] and not template["isfeatured"]
    if tfilter == "sharedexecutable":
        return False  # no template permissions are modelled
    if tfilter == "executable":
        return mine or template["ispublic"]
    return ctx.can_see(template) or template["ispublic"]  # all: admins only, checked by the caller


@api("listTemplates")
def list_templates(ctx):
    tfilter = ctx.p["templatefilter"].lower()
    if tfilter not in TEMPLATE_FILTERS:
        raise ctx.invalid_value("templatefilter", ctx.p["templatefilter"])
    if tfilter == "all" and not ctx.caller.is_admin:
        raise errors.invalid("Filter all can be specified by admin only")
    templates = [t for t in ctx.store.all("template") if not t.get("removed") and _template_visible(ctx, t, tfilter)]
    if ctx.has("account") and ctx.caller.is_admin:
        templates = [t for t in templates if t.get("account") == ctx.p["account"]]
    return [view for t in keyword_filter(ctx, templates) for view in template_views(ctx, t)]


def template_views(ctx, template):
    """One answer per zone the template is in, each with the same id, as CloudStack lists them."""
    base = public(template)
    base["tags"] = tags_of(ctx, "template", template)
    out = []
    for zone_id in template["_zones"]:
        if ctx.has("zoneid") and zone_id != ctx.p["zoneid"]:
            continue
        zone = ctx.store.get("zone", zone_id)
        out.append(dict(base, zoneid=zone_id, zonename=zone and zone["name"]))
    return out


@api("registerTemplate")
def register_template(ctx):
    if ctx.p["format"].upper() not in ("QCOW2", "RAW", "VHD", "OVA", "ISO"):
        raise errors.invalid(f"Image format: {ctx.p['format']} is incorrect. Supported formats are QCOW2, RAW")
    zone_ids = [z for z in (ctx.p.get("zoneids") or [ctx.get("zoneid", "-1")]) if z != "-1"]
    cross_zones = not zone_ids  # zoneid=-1: every zone
    zones = [ctx.lookup("zone", "zoneid", value=z) for z in zone_ids] or ctx.store.all("zone")
    ostype = os_type(ctx) or os_type_named("Other Linux (64-bit)")
    template = add_template(
        ctx, ctx.owner(), ctx.p["name"], zones, ostype, displaytext=ctx.p["displaytext"],
        format=ctx.p["format"].upper(), hypervisor=ctx.p["hypervisor"], url=ctx.p["url"],
        ispublic=bool(ctx.p.get("ispublic")) and ctx.caller.is_admin,
        isfeatured=bool(ctx.p.get("isfeatured")) and ctx.caller.is_admin,
        passwordenabled=bool(ctx.p.get("passwordenabled")), sshkeyenabled=bool(ctx.p.get("sshkeyenabled")),
        crossZones=cross_zones,
    )
    ctx.event("TEMPLATE.CREATE", f"Template {template['name']} registered")
    return template_views(ctx, template)


@api("listOsTypes")
def list_os_types(ctx):
    types = OS_TYPES
    if ctx.has("oscategoryid"):
        types = [t for t in types if t["oscategoryid"] == ctx.p["oscategoryid"]]
    if ctx.has("description"):
        types = [t for t in types if t["description"] == ctx.p["description"]]
    return keyword_filter(ctx, types, "description")


# -- SSH key pairs ---------------------------------------------------------------------------
def _fingerprint(blob):
    digest = hashlib.md5(blob).hexdigest()  # CloudStack fingerprints keys with MD5
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _key_blob(publickey):
    parts = (publickey or "").split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise errors.invalid("Public key is invalid")
    try:
        return base64.b64decode(parts[1], validate=True)
    except binascii.Error:
        raise errors.invalid("Public key is invalid") from None


def _new_keypair(ctx, owner, name, publickey):
    if ctx.store.first("sshkeypair", name=name, accountid=owner["id"]):
        raise errors.invalid(f"A key pair with name '{name}' already exists.")
    fingerprint = _fingerprint(_key_blob(publickey))
    if ctx.store.first("sshkeypair", fingerprint=fingerprint, accountid=owner["id"]):
        raise errors.invalid(f"A key pair with key '{publickey}' already exists for this account.")
    pair = ctx.store.add("sshkeypair", ctx.owned({"name": name, "fingerprint": fingerprint,
                                                  "publickey": publickey}, owner))
    ctx.event("REGISTER.SSH.KEYPAIR", f"SSH key pair {name}", owner)
    return pair


def generated_public_key():
    """An ssh-rsa public key in OpenSSH's wire format (random modulus: nobody logs in with it)."""
    def field(data):
        return len(data).to_bytes(4, "big") + data

    blob = field(b"ssh-rsa") + field(b"\x01\x00\x01") + field(b"\x00" + os.urandom(256))
    return "ssh-rsa " + base64.b64encode(blob).decode()


@api("createSSHKeyPair")
def create_ssh_key_pair(ctx):
    pair = _new_keypair(ctx, ctx.owner(), ctx.p["name"], generated_public_key())
    body = base64.encodebytes(os.urandom(1190)).decode()
    return dict(public(pair), privatekey=f"-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n")


@api("registerSSHKeyPair")
def register_ssh_key_pair(ctx):
    return public(_new_keypair(ctx, ctx.owner(), ctx.p["name"], ctx.p["publickey"].strip()))


@api("listSSHKeyPairs")
def list_ssh_key_pairs(ctx):
    pairs = ctx.mine(ctx.store.all("sshkeypair"))
    if ctx.has("fingerprint"):
        pairs = [p for p in pairs if p["fingerprint"] == ctx.p["fingerprint"]]
    return [public(p) for p in keyword_filter(ctx, pairs)]


@api("deleteSSHKeyPair")
def delete_ssh_key_pair(ctx):
    owner = ctx.owner()
    pair = ctx.store.first("sshkeypair", name=ctx.p["name"], accountid=owner["id"])
    if pair is None:
        raise errors.invalid(f"A key pair with name '{ctx.p['name']}' does not exist for account {owner['name']} "
                             "in specified domain id")
    ctx.store.delete("sshkeypair", pair)
    ctx.event("DELETE.SSH.KEYPAIR", f"SSH key pair {pair['name']}", owner)
    return SUCCESS


# -- affinity groups -------------------------------------------------------------------------
def affinity_group_view(ctx, group):
    view = public(group)
    view["virtualmachineIds"] = [v["id"] for v in ctx.store.all("vm")
                                 if group["id"] in (v.get("affinitygroupids") or []) and not v.get("removed")]
    return view


@api("createAffinityGroup")
def create_affinity_group(ctx):
    owner = ctx.owner()
    name, gtype = ctx.p["name"], ctx.p["type"]
    if gtype not in AFFINITY_TYPES:
        raise errors.invalid(f"Unable to create affinity group, invalid affinity group type{gtype}")
    if ctx.store.first("affinitygroup", name=name, accountid=owner["id"]):
        raise errors.invalid(f"Unable to create affinity group, a group with name {name} already exists.")

    def run():
        group = ctx.store.add("affinitygroup", ctx.owned(
            {"name": name, "type": gtype, "description": ctx.get("description")}, owner))
        ctx.event("AG.CREATE", f"Affinity group {name}", owner)
        return affinity_group_view(ctx, group)

    return Job(run, instance_type="AffinityGroup")


def affinity_group_named(ctx, owner, name):
    group = ctx.store.first("affinitygroup", name=name, accountid=owner["id"])
    if group is None:
        raise errors.invalid(f"Unable to find affinity group by name {name}")
    return group


@api("listAffinityGroups")
def list_affinity_groups(ctx):
    groups = ctx.mine(ctx.store.all("affinitygroup"))
    if ctx.has("type"):
        groups = [g for g in groups if g["type"] == ctx.p["type"]]
    if ctx.has("virtualmachineid"):
        vm = ctx.lookup("vm", "virtualmachineid")
        groups = [g for g in groups if g["id"] in (vm.get("affinitygroupids") or [])]
    return [affinity_group_view(ctx, g) for g in keyword_filter(ctx, groups)]


@api("deleteAffinityGroup")
def delete_affinity_group(ctx):
    if ctx.has("id"):
        group = ctx.lookup("affinitygroup", "id")
    elif ctx.has("name"):
        group = affinity_group_named(ctx, ctx.owner(), ctx.p["name"])
    else:
        raise errors.invalid("Either the affinity group Id or name should be specified")

    def run():
        for vm in ctx.store.all("vm"):  # CloudStack drops the group's VM mappings with it
            if group["id"] in (vm.get("affinitygroupids") or []):
                vm["affinitygroupids"] = [g for g in vm["affinitygroupids"] if g != group["id"]]
                ctx.store.touch("vm", vm)
        ctx.store.delete("affinitygroup", group)
        ctx.event("AG.DELETE", f"Affinity group {group['name']}", ctx.store.get("account", group["accountid"]))
        return SUCCESS

    return Job(run, instance_type="AffinityGroup", instance_id=group["id"])


# -- registered user data --------------------------------------------------------------------
@api("registerUserData")
def register_user_data(ctx):
    owner = ctx.owner()
    if ctx.store.first("userdata", name=ctx.p["name"], accountid=owner["id"]):
        raise errors.invalid(f"A userdata with name {ctx.p['name']} already exists for this account.")
    try:
        base64.b64decode(ctx.p["userdata"], validate=True)
    except binascii.Error:
        raise errors.invalid("User data is not base64 encoded") from None
    row = ctx.store.add("userdata", ctx.owned(
        {"name": ctx.p["name"], "userdata": ctx.p["userdata"], "params": ctx.get("params")}, owner))
    ctx.event("REGISTER.USER.DATA", f"User data {row['name']}", owner)
    return dict(public(row), accountid=owner["id"])


@api("listUserData")
def list_user_data(ctx):
    return [dict(public(u)) for u in keyword_filter(ctx, ctx.mine(ctx.store.all("userdata")))]


@api("deleteUserData")
def delete_user_data(ctx):
    row = ctx.lookup("userdata", "id")
    if any(v.get("userdataid") == row["id"] and not v.get("removed") for v in ctx.store.all("vm")):
        raise errors.invalid(f"Userdata {row['name']} is being used by VMs, cannot be deleted")
    ctx.store.delete("userdata", row)
    ctx.event("DELETE.USER.DATA", f"User data {row['name']}", ctx.store.get("account", row["accountid"]))
    return SUCCESS


# -- demo seed -------------------------------------------------------------------------------
SERVICE_OFFERINGS = (  # name, cores, MHz, MB, storage tags
    ("dr-small", 1, 1000, 512, "dr"), ("small", 1, 1000, 1024, None), ("medium", 2, 2000, 4096, None),
)
DISK_OFFERINGS = (("data-5g", 5, None), ("data-20g", 20, None), ("dr-data-5g", 5, "dr"))


def seed_demo(sim, ctx):
    root = ctx.caller
    for name, cores, mhz, mb, tags in SERVICE_OFFERINGS:
        sim.run_now(root, "createServiceOffering", {"name": name, "displaytext": name, "cpunumber": cores,
                                                    "cpuspeed": mhz, "memory": mb, "tags": tags})
    for name, size, tags in DISK_OFFERINGS:
        sim.run_now(root, "createDiskOffering", {"name": name, "displaytext": name, "disksize": size, "tags": tags})
    add_template(ctx, root.account, "debian-12", sorted(ctx.store.all("zone"), key=lambda z: z["name"]),
                 os_type_named("Debian GNU/Linux 12 (64-bit)"), displaytext="Debian 12 (bookworm)",
                 ispublic=True, isfeatured=True, templatetype="BUILTIN", sshkeyenabled=True)
    acme = ctx.store.first("account", name="acme")
    sim.run_now(root, "registerSSHKeyPair", {"name": "acme-ops", "publickey": generated_public_key(),
                                             "account": "acme", "domainid": acme["domainid"]})
    sim.run_now(root, "createAffinityGroup", {"name": "acme-spread", "type": "host anti-affinity",
                                              "account": "acme", "domainid": acme["domainid"]})
