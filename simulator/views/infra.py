"""Host views: capacity allocated, as CloudStack's percentages."""

from ..model.hosts import host_cpu_total
from ..model.units import MIB
from .common import public


def percent(part, whole):
    """CloudStack's DecimalFormat("#.##") percentages."""
    value = round(100.0 * part / whole, 2) if whole else 0
    return f"{value:g}%"


def host_view(host, used):
    cpu_used, mem_used = used
    cpu_total = host_cpu_total(host)
    view = public(host)
    view.update(
        cpuallocated=percent(cpu_used, cpu_total), cpuallocatedpercentage=percent(cpu_used, cpu_total),
        cpuallocatedvalue=cpu_used, cpuallocatedwithoverprovisioning=percent(cpu_used, cpu_total),
        cpuwithoverprovisioning=str(cpu_total), memoryallocated=mem_used * MIB, memoryallocatedbytes=mem_used * MIB,
        memoryallocatedpercentage=percent(mem_used * MIB, host["memorytotal"]),
        memorywithoverprovisioning=str(host["memorytotal"]),
    )
    return view
