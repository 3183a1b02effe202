"""Reading a CloudStack cloud whole with a `cs` client, within CloudStack's rules: used by the tests, the
chaos harness and the benchmark, which check the cloud independently of the collection.

Listings answer only displayed objects unless a root admin asks for the hidden ones with a flag;
resource details are listed one resource at a time, the displayed ones unless fordisplay=false.
"""

from __future__ import annotations

# listing -> the root-admin flag that lists the objects hidden from their owners
HIDDEN = {"listVirtualMachines": "displayvm", "listVolumes": "displayvolume", "listNetworks": "displaynetwork",
          "listVPCs": "fordisplay", "listPublicIpAddresses": "fordisplay", "listFirewallRules": "fordisplay",
          "listPortForwardingRules": "fordisplay", "listEgressFirewallRules": "fordisplay"}


def both(api, command: str, **params) -> list[dict]:
    """Every object of a listing, displayed and hidden (two listings)."""
    items = getattr(api, command)(fetch_list=True, **params)
    if command in HIDDEN:
        items += getattr(api, command)(fetch_list=True, **{HIDDEN[command]: False}, **params)
    return items


def details(api, resourcetype: str, resourceid: str) -> dict:
    """Every detail of one resource: the displayed ones, then (fordisplay=false) the hidden ones."""
    rows = api.listResourceDetails(resourcetype=resourcetype, resourceid=resourceid, fetch_list=True)
    rows += api.listResourceDetails(resourcetype=resourcetype, resourceid=resourceid, fordisplay=False,
                                    fetch_list=True)
    return {r["key"]: r["value"] for r in rows}
