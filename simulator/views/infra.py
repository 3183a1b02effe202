"""Zone, pod, cluster and host views (DataCenterJoinDaoImpl, ApiResponseHelper.createPodResponse /
createClusterResponse, HostJoinDaoImpl), and the out-of-band management answer a host carries."""

from ..model.hosts import host_cpu_total
from ..model.units import MIB
from .common import details_of, public, tags_of

FULL_VIEW_ZONE = ("dns1", "dns2", "ip6dns1", "ip6dns2", "internaldns1", "internaldns2", "guestcidraddress")


def percent(part, whole):
    """CloudStack's DecimalFormat("#.##") percentages."""
    value = round(100.0 * part / whole, 2) if whole else 0
    return f"{value:g}%"


def zone_view(ctx, zone, full):
    """DataCenterJoinDaoImpl.newDataCenterResponse: DNS and guest CIDR only in the full view (root admins);
    `resourcedetails` as ApiDBUtils.getResourceDetails answers them (every detail for an admin, the displayed
    ones for others; left out when there is none); `tags` always (an empty list when none)."""
    view = public(zone)
    if not full:
        for field in FULL_VIEW_ZONE:
            view.pop(field, None)
    view["resourcedetails"] = details_of(ctx.sim, "zone", zone, hidden_too=ctx.caller.is_admin) or None
    view["tags"] = tags_of(ctx, "zone", zone)
    view.update(hasannotations=False, allowuserspecifyvrmtu=False, routerprivateinterfacemaxmtu=1500,
                routerpublicinterfacemaxmtu=1500, isnsxenabled=False, ismultiarch=False, asnrange="",
                routedmodeenabled=False)
    return view


def pod_view(pod):
    """ApiResponseHelper.createPodResponse: the IP range as lists (and `ipranges`), vlan untagged."""
    view = public(pod)
    start, end = pod.get("startip"), pod.get("endip")
    ranges = [{"startip": start, "endip": end, "forsystemvms": "0", "vlanid": "vlan://untagged"}] if start else []
    view.update(startip=[r["startip"] for r in ranges], endip=[r["endip"] for r in ranges],
                forsystemvms=[r["forsystemvms"] for r in ranges], vlanid=[r["vlanid"] for r in ranges],
                ipranges=ranges, hasannotations=False)
    return view


def cluster_view(sim, cluster):
    """ApiResponseHelper.createClusterResponse: overcommit ratios from the cluster's details, all of which are
    answered as `resourcedetails`."""
    view = public(cluster)
    details = details_of(sim, "cluster", cluster, hidden_too=True)
    view.update(resourcedetails=details or None, cpuovercommitratio=details.get("cpuOvercommitRatio"),
                memoryovercommitratio=details.get("memoryOvercommitRatio"), hasannotations=False)
    return view


def oobm_view(config):
    """OutOfBandManagementResponse(config): not configured -> Disabled and not enabled; the password masked."""
    if not config:
        return {"powerstate": "Disabled", "enabled": False}
    view = {"enabled": config["enabled"], "powerstate": config.get("powerstate") or "Unknown",
            "driver": config.get("driver"), "address": config.get("address"), "port": config.get("port"),
            "username": config.get("username")}
    if config.get("password"):
        view["password"] = config["password"][0] + "****"
    return view


def host_view(host, used):
    """HostJoinDaoImpl.setNewHostResponseBase: allocated capacity; `outofbandmanagement` and `hostha` always."""
    cpu_used, mem_used = used
    cpu_total = host_cpu_total(host)
    view = public(host)
    view.update(
        cpuallocated=percent(cpu_used, cpu_total), cpuallocatedpercentage=percent(cpu_used, cpu_total),
        cpuallocatedvalue=cpu_used, cpuallocatedwithoverprovisioning=percent(cpu_used, cpu_total),
        cpuwithoverprovisioning=str(cpu_total), memoryallocated=mem_used * MIB, memoryallocatedbytes=mem_used * MIB,
        memoryallocatedpercentage=percent(mem_used * MIB, host["memorytotal"]),
        memorywithoverprovisioning=str(host["memorytotal"]),
        outofbandmanagement=oobm_view(host.get("_oobm")), hostha={"haenable": False, "hastate": "Disabled"},
        hasannotations=False, islocalstorageactive=False, ueficapability=False,
    )
    return view
