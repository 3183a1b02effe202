# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations


class ModuleDocFragment:
    """How the modules that work on DR-protected VMs select them."""

    DOCUMENTATION = r"""
options:
  vms:
    description:
      - Names or ids of the (original) VMs to work on. Every VM named must exist and be DR-protected
        (its service offering is DR-enabled, or it was prepared); otherwise the module fails before any change.
      - When omitted, every DR-protected VM selected by O(zone), O(account) and O(domain) is worked on.
    type: list
    elements: str
  zone:
    description: Only VMs of this zone (name or id), the zone where the original VMs live.
    type: str
  account:
    description: Only VMs of this account.
    type: str
  domain:
    description: Only VMs of this domain (id, name or path such as V(ROOT/customers)).
    type: str
"""
