"""Out-of-band management (OutOfBandManagementServiceImpl) and what a host's power does to its VMs.

A host's configuration is its `_oobm` dict (CloudStack's oobm row: enabled, driver, address, port,
username, password, powerstate); `_power` is the machine's real power ("On"/"Off") and `_bmc_reachable`
whether its BMC answers (a control op can cut it). The BMCs of a failed zone stay reachable: a fence
through them is what a DR tool does when the zone's management network is gone.

A host powered off out of band is Down and its VMs are Stopped, as CloudStack ends up once the host is
found Down (HighAvailabilityManagerImpl.scheduleRestartForVmsOnHost with HA off for the VM: the simulator
restarts no HA VM elsewhere); a host powered on comes back Up unless its zone is failed.
"""

from .. import errors
from .power import machine_off
from .texts import host_text
from .vms import release_host

DRIVERS = ("ipmitool", "redfish", "nestedcloudstack")  # the drivers a stock 4.20 management server has
ENABLED_DETAIL = "outOfBandManagementEnabled"
POWER_OPERATIONS = ("ON", "OFF", "CYCLE", "RESET", "SOFT", "STATUS")
# ipmitool's answer to each `chassis power` operation (IpmitoolOutOfBandManagementDriver: the command's output)
RESULTS = {"ON": "Chassis Power Control: Up/On", "OFF": "Chassis Power Control: Down/Off",
           "CYCLE": "Chassis Power Control: Cycle", "RESET": "Chassis Power Control: Reset",
           "SOFT": "Chassis Power Control: Soft", "STATUS": "Chassis Power is {power}"}
UNREACHABLE = "Error: Unable to establish IPMI v2 / RMCP+ session"


def _detail_off(sim, kind, obj):
    """A zone's or cluster's outOfBandManagementEnabled detail; absent or not "false" means enabled."""
    row = sim.store.first("detail", resource_kind=kind, resource_pk=obj["_pk"], key=ENABLED_DETAIL)
    return row is not None and row["value"] and row["value"].lower() != "true"


def set_scope_enabled(sim, kind, obj, enabled):
    """enable/disableOutOfBandManagementForZone|Cluster: the detail; off puts its hosts' power state to Disabled
    (transitionPowerStateToDisabled), on lets the background sync find it again."""
    row = sim.store.first("detail", resource_kind=kind, resource_pk=obj["_pk"], key=ENABLED_DETAIL)
    if row is None:
        sim.store.add("detail", {"resource_kind": kind, "resource_pk": obj["_pk"], "key": ENABLED_DETAIL,
                                 "value": str(enabled).lower(), "fordisplay": True})
    else:
        row["value"] = str(enabled).lower()
        sim.store.touch("detail", row)
    for host in sim.store.find("host", **{"zoneid" if kind == "zone" else "clusterid": obj["id"]}):
        if not host.get("_oobm"):
            continue
        if enabled and host["_oobm"]["enabled"]:
            sync_power(sim, host)  # the background power sync of enabled hosts, at once
        elif not enabled:
            host["_oobm"]["powerstate"] = "Disabled"
            sim.store.touch("host", host)


def check_enabled(sim, host):
    """OutOfBandManagementServiceImpl.checkOutOfBandManagementEnabledByZoneClusterHost (a CloudRuntimeException:
    the job fails with 530)."""
    if _detail_off(sim, "zone", sim.store.get("zone", host["zoneid"])):
        raise errors.internal("Out-of-band management is disabled for the host's zone. Aborting Operation.")
    if _detail_off(sim, "cluster", sim.store.get("cluster", host["clusterid"])):
        raise errors.internal("Out-of-band management is disabled for the host's cluster. Aborting Operation.")
    config = host.get("_oobm")
    if host["resourcestate"] == "Degraded" or not config or not config["enabled"]:
        raise errors.internal("Out-of-band management is disabled or not configured for the host. Aborting "
                              "Operation.")
    return config


def sync_power(sim, host):
    """The background STATUS poll: the BMC's view of the power (Unknown when it does not answer)."""
    config = host["_oobm"]
    config["powerstate"] = host.get("_power", "On") if host.get("_bmc_reachable", True) else "Unknown"
    sim.store.touch("host", host)


def power(ctx, host, operation):
    """What the driver does to the machine: returns the driver's output, or fails the job as CloudStack does."""
    sim = ctx.sim
    config = host["_oobm"]
    if config.get("driver") not in DRIVERS:
        raise errors.internal("Configured out-of-band management driver is not available. Aborting any "
                              "out-of-band management action.")
    if not host.get("_bmc_reachable", True):
        if operation == "STATUS":
            sync_power(sim, host)
        raise errors.internal(f"Out-of-band Management action [{operation}] on {host_text(host)} failed with "
                              f"error: {UNREACHABLE}")
    if operation in ("OFF", "SOFT"):
        _power_off(ctx, host)
    elif operation == "ON":
        _power_on(sim, host)
    elif operation in ("CYCLE", "RESET"):
        _power_off(ctx, host)
        _power_on(sim, host)
    result = RESULTS[operation].format(power=host.get("_power", "On").lower())
    if operation == "STATUS":
        sync_power(sim, host)
    return result


def _power_off(ctx, host):
    host.update(_power="Off", state="Down")
    ctx.store.touch("host", host)
    machine_off(ctx.sim, host)
    for vm in ctx.store.find("vm", hostid=host["id"]):
        if vm.get("state") in ("Running", "Starting", "Stopping", "Migrating"):
            release_host(ctx, vm, "Stopped")


def _power_on(sim, host):
    host["_power"] = "On"
    if not sim.zone_down(host["zoneid"]):
        host["state"] = "Up"
    sim.store.touch("host", host)
