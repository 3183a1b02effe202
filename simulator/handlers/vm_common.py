"""What the VM commands share: the VM a parameter names, the checks of deploy's parameters that
update, resetSSHKey and addNic make too, and the VM job."""

import base64
import binascii
import re
import urllib.parse

from .. import errors
from ..contract import Job
from ..model.affinity import group_named
from ..model.configs import setting

# CloudStack's NetUtils.verifyDomainNameLabel for host names
HOSTNAME = re.compile(r"^[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")
USERDATA_MAX = 32768  # vm.userdata.max.length
BASE64_CHARS = re.compile(r"^[A-Za-z0-9+/=_\-\s]*$")
URL_SAFE = str.maketrans("-_", "+/")
# DomainChecker.validateCallerHasAccessToEntityOwner (an @ACL parameter, or AccountManager.checkAccess)
ACCESS_DENIED = "Caller does not have permission to operate with provided resource."


def vm_param(ctx, name="id", removed_ok=False):
    """The VM a parameter names. Its uuid resolves a removed VM too (ParamProcessWorker
    .translateUuidToInternalId: findByUuidIncludingRemoved), which the commands then refuse with their own
    text; with `removed_ok` false it is the invalid-value error. A hidden VM (displayvm=false) is operable by
    its owner: only the list commands hide it. @ACL(OperateEntry): a VM the caller may not operate on is
    refused (531)."""
    value = ctx.p.get(name)
    vm = ctx.store.get("vm", value) if value not in (None, "") else None
    if value in (None, ""):
        return ctx.lookup("vm", name)  # the missing-parameter error
    if vm is None or (vm.get("removed") and not removed_ok):
        raise ctx.invalid_value(name, value)
    check_vm_access(ctx, vm)
    return vm


def entity_param(ctx, kind, name, value=None):
    """A uuid parameter without @ACL: resolved (the invalid-value 431 if it names nothing live), access left to
    the manager."""
    value = ctx.p[name] if value is None else value
    obj = ctx.store.get(kind, value)
    if obj is None or obj.get("removed"):
        raise ctx.invalid_value(name, value)
    return obj


def check_vm_access(ctx, vm):
    """AccountManagerImpl.checkAccess on a VM: PermissionDeniedException (531 in a sync call, 530 in a job)."""
    if not ctx.can_see(vm):
        raise errors.denied(ACCESS_DENIED)


def is_admin(ctx):
    """AccountManagerImpl.isAdmin: root, domain (and resource) admins."""
    return ctx.caller.is_admin


def user_may_expunge(ctx):
    """allow.user.expunge.recover.vm, or an admin (UserVmManagerImpl.checkExpungeVmPermission)."""
    return is_admin(ctx) or setting(ctx.sim, "allow.user.expunge.recover.vm") == "true"


def param_value_error(ctx, name, detail):
    """ParamProcessWorker.processParameters: a parameter's validation failure (ApiArgValidator)."""
    return errors.ApiError(
        errors.PARAM_ERROR, f"Unable to execute API command {ctx.command.name.lower()} due to invalid value. "
                            f"Invalid value provided for API arg: {name} - {detail}")


def name_param(ctx):
    """`name` of deploy and update (ApiArgValidator.RFCComplianceDomainName, checked at the parameter layer)."""
    name = ctx.get("name")
    if name is not None and not HOSTNAME.match(name):
        raise param_value_error(
            ctx, "name", "it can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen "
                         "('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and "
                         "can't start with digit")
    return name


def check_hostname(ctx, name, networks, vm=None):
    """UserVmManagerImpl.checkIfHostNameUniqueInNtwkDomain: no other VM with a NIC in the networks has the name
    (destroyed VMs that are not expunged count)."""
    for net in networks:
        for nic in ctx.store.find("nic", networkid=net["id"]):
            other = ctx.store.by_pk("vm", nic["_vm_pk"])
            if other is not None and other is not vm and other["name"] == name and not other.get("removed"):
                raise errors.invalid(f"The vm with hostName {name} already exists in the network domain: "
                                     f"{net.get('networkdomain') or 'cs1cloud.internal'}; network={net['name']}")


def userdata_param(ctx, text=None):
    """UserDataManagerImpl.validateUserData: URL-decoded when it holds a '%'; Base64.isBase64 (the alphabet, its
    URL-safe variant, padding and whitespace); at least one decoded byte; at most vm.userdata.max.length
    characters; stored re-encoded with its padding. (The simulator takes every call as a POST.)"""
    data = ctx.get("userdata") if text is None else text
    if data is None or not data.strip():
        return None
    if "%" in data:
        data = urllib.parse.unquote_plus(data)
    if not BASE64_CHARS.match(data):
        raise errors.invalid("User data is not base64 encoded.")
    decoded = _lenient_decode(data)
    if not decoded:
        raise errors.invalid("User data is too short.")
    if len(data) > USERDATA_MAX:
        raise errors.invalid(f"User data has exceeded configurable max length: {USERDATA_MAX}")
    return base64.b64encode(decoded).decode()


def _lenient_decode(text):
    """commons-codec Base64.decodeBase64: whitespace and padding ignored, a last lone character dropped."""
    compact = re.sub(r"[\s=]", "", text).translate(URL_SAFE)
    compact = compact[:len(compact) - 1] if len(compact) % 4 == 1 else compact
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4))
    except binascii.Error:
        return b""


def keypairs_names(ctx):
    return list(ctx.p.get("keypairs") or []) + ([ctx.p["keypair"]] if ctx.has("keypair") else [])


def keypairs_param(ctx, owner):
    """SSHKeyPairDao.findByNames in the owner's account: every name must name one key pair, and a name given
    twice is one pair short ("Not all specified keypairs exist"); the names are kept as given."""
    names = keypairs_names(ctx)
    found = {k["name"] for k in ctx.store.find("sshkeypair", accountid=owner["id"]) if k["name"] in names}
    if len(found) != len(names):
        raise errors.invalid("Not all specified keypairs exist")
    return ",".join(names) or None


def affinity_param(ctx, owner):
    groups = [ctx.lookup("affinitygroup", "affinitygroupids", value=i) for i in ctx.p.get("affinitygroupids") or []]
    groups += [group_named(ctx, owner, n) for n in ctx.p.get("affinitygroupnames") or []]
    for group in groups:
        if group["accountid"] != owner["id"]:
            raise errors.denied(f"Affinity group {group['name']} does not belong to the VM's account")
    return [g["id"] for g in groups]


def vm_job(ctx, vm, run):
    """Work in the VM's job queue. What a failed zone does to it is the work's own business (a Down host is no
    deployment destination; a stop or reboot cannot reach its agent)."""
    return Job(run, "VirtualMachine", vm["id"])
