"""What the VM commands share: the VM a parameter names, the checks of deploy's parameters that
update, resetSSHKey and addNic make too, and the VM job."""

import base64
import binascii
import re

from .. import errors
from ..contract import Job
from ..model.affinity import group_named

# CloudStack's NetUtils.verifyDomainNameLabel for host names
HOSTNAME = re.compile(r"^[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")
USERDATA_MAX = 32768  # vm.userdata.max.length


def vm_param(ctx, name="id"):
    """The VM a parameter names, as its caller may see it."""
    vm = ctx.lookup("vm", name)
    if not ctx.caller.is_root and not vm.get("displayvm", True):
        raise ctx.invalid_value(name, ctx.p[name])  # a hidden VM does not exist for its tenant
    return vm


def check_hostname(ctx, name, networks, vm=None):
    if not HOSTNAME.match(name):
        raise errors.invalid(
            "Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the "
            "hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and can't "
            "start with digit")
    for net in networks:
        for nic in ctx.store.find("nic", networkid=net["id"]):
            other = ctx.store.by_pk("vm", nic["_vm_pk"])
            if other is not None and other is not vm and other["name"] == name and not other.get("removed"):
                raise errors.invalid(f"The vm with hostName {name} already exists in the network domain: "
                                     f"{net.get('networkdomain') or 'cs1cloud.internal'}; network={net['name']}")


def userdata_param(ctx):
    data = ctx.get("userdata")
    if data is None:
        return None
    try:
        base64.b64decode(data, validate=True)
    except binascii.Error:
        raise errors.invalid("User data is not base64 encoded") from None
    if len(data) > USERDATA_MAX:
        raise errors.invalid(f"User data has exceeded configurable max length : {USERDATA_MAX}")
    return data


def keypairs_param(ctx, owner):
    names = list(ctx.p.get("keypairs") or []) + ([ctx.p["keypair"]] if ctx.has("keypair") else [])
    for name in names:
        if ctx.store.first("sshkeypair", name=name, accountid=owner["id"]) is None:
            raise errors.invalid(f"A key pair with name '{name}' was not found.")
    return ",".join(dict.fromkeys(names)) or None


def affinity_param(ctx, owner):
    groups = [ctx.lookup("affinitygroup", "affinitygroupids", value=i) for i in ctx.p.get("affinitygroupids") or []]
    groups += [group_named(ctx, owner, n) for n in ctx.p.get("affinitygroupnames") or []]
    for group in groups:
        if group["accountid"] != owner["id"]:
            raise errors.denied(f"Affinity group {group['name']} does not belong to the VM's account")
    return [g["id"] for g in groups]


def owned_network(ctx, owner, zone, net):
    """A network the VM's owner may put a NIC in: in the VM's zone, and the owner's or shared."""
    if net["zoneid"] != zone["id"]:
        raise errors.invalid(f"Network id={net['id']} doesn't belong to zone {zone['id']}")
    if net.get("accountid") not in (None, owner["id"]):
        raise errors.denied(f"Account {owner['name']} does not have permission to operate with resource {net['id']}")
    return net


def vm_job(ctx, vm, run, needs_hypervisor=True):
    """Work in the VM's job queue; it fails while the VM's zone is down if it needs the hypervisor."""
    zone = vm["zoneid"] if needs_hypervisor else None
    return Job(run, "VirtualMachine", vm["id"], hypervisor_zone=zone)
