"""Out-of-band management commands (admin/outofbandmanagement/*Cmd, OutOfBandManagementServiceImpl): configure a
host's BMC, enable or disable it (host, cluster, zone), and issue power actions. Root admins only."""

from .. import errors
from ..contract import Job, api
from ..model.oobm import DRIVERS, POWER_OPERATIONS, check_enabled, power, set_scope_enabled, sync_power
from ..model.texts import host_text
from ..views.infra import oobm_view


@api("configureOutOfBandManagement")
def configure_oobm(ctx):
    """OutOfBandManagementServiceImpl.configure: the row is made (or updated: empty values are skipped) before the
    driver is checked, so a bad driver still leaves a row, not enabled; the name is checked lower-cased."""
    host = ctx.lookup("host", "hostid")
    config = host.get("_oobm") or {"enabled": False, "powerstate": "Disabled"}
    for param in ("driver", "address", "port", "username", "password"):
        if ctx.get(param) is not None:
            config[param] = ctx.p[param]
    host["_oobm"] = config
    ctx.store.touch("host", host)
    if not config.get("driver") or config["driver"].lower() not in DRIVERS:
        raise errors.internal_for(ctx.caller, "Out-of-band management driver is not available. Please provide a "
                                              "valid driver name.")
    ctx.event("HOST.OOBM.CONFIGURE", "Successfully completed updating out-of-band management configuration. "
              f"Configuring {host_text(host)} out-of-band with address [{config['address']}] and port "
              f"[{config['port']}]")
    result = f"Out-of-band management successfully configured for {host_text(host)}."
    return dict(oobm_view(config), hostid=host["id"], status=True, description=result)


def _enable_host(ctx, enabled):
    """Enable/DisableOutOfBandManagementForHostCmd: a host that was never configured fails the job (530)."""
    host = ctx.lookup("host", "hostid")
    verb = "enabling" if enabled else "disabling"

    def run():
        config = host.get("_oobm")
        if not config:
            raise errors.internal("Out-of-band management is not configured for the host. Please configure the host "
                                  "before enabling/disabling it.")
        config.update(enabled=enabled, powerstate="Disabled")
        ctx.store.touch("host", host)
        if enabled:
            sync_power(ctx.sim, host)  # the background power sync, at once
        ctx.event(f"HOST.OOBM.{'ENABLE' if enabled else 'DISABLE'}",
                  f"Successfully completed {verb} out-of-band management on a host")
        return {"hostid": host["id"], "enabled": enabled, "status": True}

    return Job(run, instance_type="Host", instance_id=host["id"], object_key="outofbandmanagement")


@api("enableOutOfBandManagementForHost")
def enable_oobm_host(ctx):
    return _enable_host(ctx, True)


@api("disableOutOfBandManagementForHost")
def disable_oobm_host(ctx):
    return _enable_host(ctx, False)


def _enable_scope(ctx, kind, param, enabled):
    target = ctx.lookup(kind, param)
    verb = "enabling" if enabled else "disabling"

    def run():
        set_scope_enabled(ctx.sim, kind, target, enabled)
        ctx.event(f"HOST.OOBM.{'ENABLE' if enabled else 'DISABLE'}",
                  f"Successfully completed {verb} out-of-band management on a {kind}")
        return {"enabled": enabled, "status": True}

    return Job(run, object_key="outofbandmanagement")


@api("enableOutOfBandManagementForZone")
def enable_oobm_zone(ctx):
    return _enable_scope(ctx, "zone", "zoneid", True)


@api("disableOutOfBandManagementForZone")
def disable_oobm_zone(ctx):
    return _enable_scope(ctx, "zone", "zoneid", False)


@api("enableOutOfBandManagementForCluster")
def enable_oobm_cluster(ctx):
    return _enable_scope(ctx, "cluster", "clusterid", True)


@api("disableOutOfBandManagementForCluster")
def disable_oobm_cluster(ctx):
    return _enable_scope(ctx, "cluster", "clusterid", False)


@api("issueOutOfBandManagementPowerAction")
def issue_power_action(ctx):
    """IssueOutOfBandManagementPowerActionCmd / executePowerOperation, all in the job: PowerOperation.valueOf
    (upper case only), the zone, cluster and host checks, the driver. The answer carries the power state the
    database held when the driver returned (only STATUS updates it; the background sync follows at once here)."""
    host = ctx.lookup("host", "hostid")
    action = ctx.p["action"]

    def run():
        if action not in POWER_OPERATIONS:
            raise errors.internal("No enum constant org.apache.cloudstack.outofbandmanagement.OutOfBandManagement"
                                  f".PowerOperation.{action}")
        config = check_enabled(ctx.sim, host)
        result = power(ctx, host, action)
        view = dict(oobm_view(config), hostid=host["id"], action=action, status=True, description=result)
        if action != "STATUS":
            sync_power(ctx.sim, host)
        ctx.event("HOST.OOBM.ACTION", "Successfully completed issuing host out-of-band management action. Host Id: "
                  f"{host['_pk']} Action: {action}")
        return view

    return Job(run, instance_type="Host", instance_id=host["id"], object_key="outofbandmanagement")
