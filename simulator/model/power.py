"""What a host reports of the VMs still running on it when it reconnects (VirtualMachinePowerStateSyncImpl).

A VM's `_powerhost` is the host whose hypervisor runs its domain, whatever the database says: set when the VM
starts there, cleared when a stop reaches that host or the machine loses power. A forced stop while the host
cannot be reached (its zone failed) only changes the database (VirtualMachineManagerImpl.advanceStop: "Unable to
actually stop ... but continue with release because it's a force stop"), so the domain keeps running there and
the host reports it PowerOn on its first ping after it reconnects. CloudStack then follows the report:
handlePowerOnReportWithNoPendingJobsOnVM turns a Stopped VM Running on that host, whatever its volumes, its
zone's or host's allocation state or its HA flag. Only a VM that is Destroyed, Expunging, in Error, expunged,
or has a VM work job pending is left as it is. docs/design/fencing.md has the reading.
"""

from .alerts import send_alert

SYNC_ALERT = 27  # AlertService.AlertType.ALERT_TYPE_SYNC
SYNC_SUBJECT = "VM state sync alert"  # VirtualMachineManagerImpl: what listAlerts answers as the description
IGNORED = ("Destroyed", "Expunging", "Error")  # "Receive power on report when VM is in destroyed or expunging..."
FOLLOWED = ("Stopped", "Stopping")  # FollowAgentPowerOnReport: Stopped/Stopping -> Running


def powered_on(vm, host):
    """The VM's domain now runs on `host` (a start reached it)."""
    vm["_powerhost"] = host["id"]


def powered_off(vm):
    """The VM's domain no longer runs anywhere (a stop reached its host, or the machine went off)."""
    vm.pop("_powerhost", None)


def machine_off(sim, host):
    """The machine lost its power: every domain on it is gone."""
    for vm in sim.store.find("vm", _powerhost=host["id"]):
        powered_off(vm)
        sim.store.touch("vm", vm)


def host_reconnected(sim, host):
    """The host's first power report after it reconnects (PSS.processHostVmStatePingReport and the
    HandlePowerStateReport subscriber): each VM it still runs follows the report. Returns the VMs turned
    Running."""
    synced = []
    for vm in sim.store.find("vm", _powerhost=host["id"]):
        if vm.get("removed") or vm["state"] in IGNORED or _work_pending(sim, vm):
            continue
        if vm["state"] in FOLLOWED:
            synced.append(vm)
        vm.update(state="Running", hostid=host["id"], hostname=host["name"], _lasthostid=host["id"])
        sim.store.touch("vm", vm)
    for vm in synced:
        _sync_alert(sim, vm)
        _power_on_event(sim, vm)
    return synced


def _work_pending(sim, vm):
    """HandlePowerStateReport only resets the tracking of a VM with a VM work job pending."""
    return any(job["jobstatus"] == 0 for job in sim.store.find("asyncjob", jobinstanceid=vm["id"]))


def _sync_alert(sim, vm):
    """ALERT_TYPE_SYNC through AlertManagerImpl.sendAlert, which keeps one unarchived alert of the type per zone and
    pod (AlertDaoImpl.getLastAlert)."""
    pod = sim.store.get("host", vm["hostid"])["podid"]
    send_alert(sim.store, SYNC_ALERT, "ALERT.TYPE.SYNC", SYNC_SUBJECT, vm["zoneid"], pod)


def _power_on_event(sim, vm):
    """ActionEventUtils.onActionEvent(UID_SYSTEM, ACCOUNT_ID_SYSTEM, vm domain, VM.START, "Out of band VM power on"):
    the system account's event, in the VM's domain."""
    sim.event("VM.START", "Out of band VM power on", {"name": "system", "id": None, "domainid": vm["domainid"]})
