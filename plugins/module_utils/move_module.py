# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The modules that move VMs: vm_failover and vm_failback (one class, a direction each), and what
volume_import shares with them (a failure when validation refused every VM selected)."""

from __future__ import annotations

from typing import ClassVar

from .base import DrModule
from .engine.orchestrate import move_options, move_vms
from .errors import InputError


def fail_when_all_refused(result: dict, names: list[str] | None, action: str) -> dict:
    """The result of a move (vm_failover, vm_failback, volume_import), or an InputError when validation
    refused every VM selected: nothing changed, so the call failed. With some VMs accepted, the others
    went on and the refused ones are in the result; a plan (validate_only, check mode) is returned as is.
    """
    refused = [vm for vm in result.get("vms") or [] if vm.get("refused")]
    if "plan" in result or not refused or result["summary"]["selected"] > len(refused):
        return result
    index = next((i for i, ref in enumerate(names or []) if ref in (refused[0]["name"], refused[0]["id"])), None)
    reasons = "; ".join(f"{vm['name']}: {vm['error']}" for vm in refused[:5])
    more = f" (and {len(refused) - 5} more)" if len(refused) > 5 else ""
    raise InputError("vms" if index is None else f"vms[{index}]",
                     f"no selected VM may {action}, so nothing was changed. {reasons}{more}",
                     "Fix what each refusal says and run again (validate_only shows the plan)", result)


class MoveModule(DrModule):
    """vm_failover and vm_failback: the same module, one `direction` each."""

    argument_spec: ClassVar[dict] = move_options()
    output_paths: ClassVar[tuple] = ("progress_log",)

    def __init__(self, direction: str) -> None:
        self.direction = direction
        super().__init__()

    def run(self) -> dict:
        p = self.params
        result = move_vms(self.client, self.direction, p["vms"], p["zone"], p["account"], p["domain"], p["tiers"],
                          p["mode"], p["allow_drift"], p["allow_any_state"], p["progress_log"],
                          validate_only=p["validate_only"] or self.module.check_mode, tier_gate=p["tier_gate"],
                          accept_data_loss=p["accept_data_loss"], sync_timeout=p["sync_timeout"],
                          confirm_zone_lost=p["confirm_zone_lost"], break_lock=p["break_lock"],
                          lock_lease=p["lock_lease"], heartbeat=p["heartbeat"],
                          heartbeat_timeout=p["heartbeat_timeout"], unfence_timeout=p["unfence_timeout"])
        return fail_when_all_refused(result, p["vms"], self.direction)

