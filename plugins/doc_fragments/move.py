# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)


class ModuleDocFragment:
    """Options shared by vm_failover and vm_failback (besides cloudstack.dr.selection)."""

    DOCUMENTATION = r"""
options:
  tier:
    description:
      - Only VMs of this DR tier. Without it, all tiers move, lowest tier first, each tier's VMs started
        before the next tier begins.
    type: int
  allow_drift:
    description:
      - Move VMs whose recovery VM no longer mirrors the original (a NIC, rule, offering or user data
        changed since the last preparation). By default such VMs are refused, with the drift named.
    type: bool
    default: false
  force:
    description:
      - Move VMs whose DR state does not allow it (for example V(PrepareFailed)). Use only after reading
        why they are in that state.
    type: bool
    default: false
  progress_log:
    description:
      - A file to which one line per step is appended while the VMs move (C(tail -f) it to follow a long run).
      - Its directory must exist and be writable; the module checks it before any change.
    type: path
  validate_only:
    description:
      - Check every VM (prepared, linked, not drifted, storage mapped) and return the plan without changing
        anything, as check mode does.
    type: bool
    default: false
"""
