"""Affinity group views: the group with its VMs, and the brief form a VM answer embeds."""

from .common import public


def affinity_group_view(ctx, group):
    view = public(group)
    view["virtualmachineIds"] = [v["id"] for v in ctx.store.all("vm")
                                 if group["id"] in (v.get("affinitygroupids") or []) and not v.get("removed")]
    return view


def affinity_brief(group):
    return {k: group.get(k) for k in ("id", "name", "type", "description", "account", "domainid", "domain")}
