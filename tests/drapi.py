"""Test helpers that read and write DR details the ways CloudStack allows (key/value form; by resource id,
two listings for the two visibilities), over the collection's Client."""

from __future__ import annotations


def kv(values: dict) -> list[dict]:
    """A details map in the only form addResourceDetail reads: details[i].key / details[i].value."""
    return [{"key": key, "value": value} for key, value in values.items()]


def write(api, resourcetype: str, resourceid: str, values: dict, visible: bool = True) -> None:
    api.run([api.submit("addResourceDetail", resourcetype=resourcetype, resourceid=resourceid, details=kv(values),
                        fordisplay=visible)])


def details(api, resourcetype: str, resourceid: str, visible: bool | None = None) -> dict:
    """{key: value} of a resource's details: the visible ones, the hidden ones, or (None) both."""
    out = {}
    for shown in (True, False) if visible is None else (visible,):
        out.update({r["key"]: r["value"] for r in api.list("listResourceDetails", resourcetype=resourcetype,
                                                           resourceid=resourceid, fordisplay=shown)})
    return out


def all_vms(api, **params) -> list[dict]:
    """Every VM, displayed and hidden (two listings)."""
    return (api.list("listVirtualMachines", listall=True, **params)
            + api.list("listVirtualMachines", listall=True, displayvm=False, **params))


def all_vm_details(api) -> dict:
    """{vm id: {key: value}} of the dr.* details (both visibilities) of every VM, read VM by VM."""
    out = {}
    for vm in all_vms(api):
        found = {k: v for k, v in details(api, "UserVm", vm["id"]).items() if k.startswith("dr.")}
        if found:
            out[vm["id"]] = found
    return out


def journal(api, vm_id: str):
    """The move journal on a VM (None when there is none, or it was cleared)."""
    from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.journal import Journal

    return Journal.of_details(details(api, "UserVm", vm_id, visible=False))


def swap_journal(api, vm_id: str):
    from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.journal import SwapJournal

    return SwapJournal.of_details(details(api, "UserVm", vm_id, visible=False))


def in_tier(api, vm: dict, tier: int) -> None:
    """Put `vm` on a DR offering of `tier` (a VM's tier is its DR offering's) and prepare it again."""
    from ansible_collections.cloudstack.dr.plugins.module_utils.engine.prepare import prepare_vms

    offering = next(o for o in api.list("listServiceOfferings") if o["id"] == vm["serviceofferingid"])
    new = api.call("createServiceOffering", name=f"dr-tier-{tier}", displaytext=f"DR tier {tier}",
                   cpunumber=offering["cpunumber"], cpuspeed=offering["cpuspeed"], memory=offering["memory"],
                   tags=offering.get("storagetags"))["serviceoffering"]
    write(api, "ServiceOffering", new["id"], {"dr.enabled": "true", "dr.tier": str(tier), "dr.rto": "4h"})
    api.run([api.submit("stopVirtualMachine", id=vm["id"])])
    api.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=new["id"])
    api.run([api.submit("startVirtualMachine", id=vm["id"])])
    assert prepare_vms(api, names=[vm["id"]])["summary"]["failed"] == 0
