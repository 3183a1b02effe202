"""Static NAT on and off (RulesManagerImpl.enableStaticNat / disableStaticNat).

enableStaticNat is a plain BaseCmd: every check answers the call. disableStaticNat is async and checks
everything in the job; it revokes the IP's firewall rules with the NAT, and a VPC IP left without
rules leaves its tier.
"""

from .. import errors
from ..contract import SUCCESS, Job, api
from ..model.accounts import owner_of
from ..model.nics import nic_in
from ..model.public_ips import clear_static_nat
from ..model.texts import ip_text, network_text, vm_text
from .network_common import found


def _network_of(ctx, ip):
    """EnableStaticNatCmd.getNetworkId: the IP's network if it has one (a given networkid is then ignored)."""
    if ip.get("associatednetworkid"):
        return ctx.store.get("network", ip["associatednetworkid"])
    if not ctx.has("networkid"):
        raise errors.invalid(f"Unable to enable static NAT for the ipAddress id={ip['_pk']} as IP is not associated "
                             "with any network and no networkId is passed in")
    return found(ctx, "network", "networkid")


def _check_ip_and_vm(ctx, ip, vm):
    """RulesManagerImpl.checkIpAndUserVm."""
    if ip.get("allocated") is None or ip.get("accountid") is None:
        raise errors.invalid(f"Unable to create ip forwarding rule on address {ip_text(ip)}, invalid IP address "
                             "specified.")
    if vm is None:
        return
    if vm["state"] in ("Destroyed", "Expunging"):
        raise errors.invalid(f"Invalid user vm: {vm_text(vm)}")
    ctx.check_access(ip)
    ctx.check_access(vm)
    if ip["zoneid"] != vm["zoneid"]:
        raise errors.invalid(f"Unable to create ip forwarding rule, IP address {ip_text(ip)} is not in the same "
                             f"availability zone as virtual machine {vm_text(vm)}")


def _check_ready(ctx, ip, vm, guest_ip):
    """RulesManagerImpl.isIpReadyForStaticNat."""
    if ip["issourcenat"]:
        raise errors.invalid(f"Can't enable static, ip address {ip_text(ip)} is a sourceNat ip address")
    if not ip["isstaticnat"] and ctx.store.find("rule", ipaddressid=ip["id"], ruletype="portforward"):
        raise errors.rule_conflict(f"Failed to enable static nat for the ip address {ip_text(ip)} as it already "
                                   "has PortForwarding rules assigned")
    if ip["isstaticnat"] and ip.get("_vm_pk") != vm["_pk"]:
        raise errors.rule_conflict(f"Failed to enable static for the ip address {ip_text(ip)} and vm id={vm['_pk']} "
                                   "as it's already assigned to antoher vm")
    old = ctx.store.first("publicip", _vm_pk=vm["_pk"], vmipaddress=guest_ip)
    if old is not None:  # even this very IP: static NAT is never enabled twice
        raise errors.invalid(f"Failed to enable static nat on the  ip {ip['ipaddress']} with Id {ip['id']} as the vm "
                             f"{vm['instancename']} with Id {vm['id']} is already associated with another public ip "
                             f"{old['ipaddress']} with id {old['id']}")


@api("enableStaticNat")
def enable_static_nat(ctx):
    """EnableStaticNatCmd.execute -> RulesManagerImpl.enableStaticNat, in its order."""
    ip = found(ctx, "publicip", "ipaddressid")
    vm = found(ctx, "vm", "virtualmachineid")
    network = _network_of(ctx, ip)
    nic = nic_in(ctx.sim, vm, network["id"])
    if nic is None:
        raise errors.invalid("Vm doesn't belong to the network with specified id")
    if "StaticNat" not in ctx.store.get("networkoffering", network["networkofferingid"])["supportedservices"]:
        raise errors.invalid("Unable to create static nat rule; StaticNat service is not supported in network with "
                             "specified id")
    joins = not ip.get("associatednetworkid") and network.get("vpcid") and ip.get("vpcid") == network["vpcid"]
    if not ip.get("associatednetworkid") and not joins:
        raise errors.invalid(f"Ip address {ip_text(ip)} is not assigned to the network {network_text(network)}")
    _check_ip_and_vm(ctx, ip, vm)
    guest_ip = ctx.get("vmguestip", nic["ipaddress"])
    if guest_ip != nic["ipaddress"]:  # secondary guest IPs are not modelled
        raise errors.invalid(f"VM ip {guest_ip} address not belongs to the vm")
    _check_ready(ctx, ip, vm, guest_ip)
    ip.update(isstaticnat=True, _vm_pk=vm["_pk"], vmipaddress=guest_ip, associatednetworkid=network["id"],
              associatednetworkname=network["name"])
    ctx.store.touch("publicip", ip)
    ctx.event("STATICNAT.ENABLE", f"Ip: {ip['ipaddress']} to VM {vm['id']}", owner_of(ctx.sim, ip))
    return SUCCESS


@api("disableStaticNat")
def disable_static_nat(ctx):
    """RulesManagerImpl.disableStaticNat: no ownership check of its own (no @ACL, checkIpAndUserVm without a VM);
    revoking each firewall rule checks the caller may (a PermissionDeniedException: 530)."""
    ip = found(ctx, "publicip", "ipaddressid")

    def run():
        _check_ip_and_vm(ctx, ip, None)
        if ip.get("_vm_pk") is None:
            raise errors.invalid("Specified IP address id is not associated with any vm Id")
        rules = ctx.store.find("rule", ipaddressid=ip["id"], ruletype="firewall")
        if rules and not ctx.can_see(rules[0]):
            raise errors.internal("Caller does not have permission to operate with provided resource.")
        clear_static_nat(ctx.sim, ip)  # its firewall rules go with it
        ctx.event("STATICNAT.DISABLE", f"Ip: {ip['ipaddress']}", owner_of(ctx.sim, ip))
        return SUCCESS

    return Job(run, "IpAddress", ip["id"])
