"""Templates (one id, several zones) and the guest OS types: list and register (QueryManagerImpl
.searchForTemplatesInternal, TemplateManagerImpl.registerTemplate, TemplateAdapterBase / HypervisorTemplateAdapter
.prepare, UriUtils.validateUrl)."""

from urllib.parse import urlsplit

from .. import errors
from ..contract import api
from ..model.limit_checks import check_new_template
from ..model.templates import OS_TYPES, add_template, os_type, os_type_named
from ..model.texts import zone_text
from ..model.zones import disabled_for
from ..views.offerings import template_views
from .filters import keyword_filter

# VirtualMachineTemplate.TemplateFilter, matched case-sensitively (TemplateFilter.valueOf)
TEMPLATE_FILTERS = ("featured", "self", "selfexecutable", "shared", "sharedexecutable", "executable", "community",
                    "all")
# Storage.ImageFormat in declaration order, as EnumUtils.listValues prints them
IMAGE_FORMATS = ("QCOW2", "RAW", "VHD", "ISO", "OVA", "VHDX", "BAREMETAL", "VMDK", "VDI", "TAR", "ZIP", "DIR")
# UriUtils.SUPPORTED_EXTENSIONS_BY_FORMAT (each also compressed .zip/.bz2/.gz; metalink where allowed)
EXTENSIONS = {"vhd": ("vhd",), "vhdx": ("vhdx",), "qcow2": ("qcow2", "img"), "ova": ("ova",), "tar": ("tar",),
              "raw": ("img", "raw"), "vmdk": ("vmdk",), "iso": ("iso",)}
METALINK = ("qcow2", "ova", "iso")
# Hypervisor.HypervisorType in declaration order, None left out (TemplateAdapterBase.prepare's text)
HYPERVISOR_NAMES = ("XenServer", "KVM", "VMware", "Hyperv", "VirtualBox", "Parralels", "BareMetal", "Simulator", "Ovm",
                    "Ovm3", "LXC", "Custom", "Any")


def _template_visible(ctx, template, tfilter):
    mine = template.get("accountid") == ctx.caller.account["id"]
    system = template.get("templatetype") == "SYSTEM"
    if tfilter == "featured":
        return template["isfeatured"] and template["ispublic"] and not system
    if tfilter in ("self", "selfexecutable"):
        owned = mine or (ctx.caller.is_admin and ctx.can_see(template) and ctx.p.get("listall"))
        return owned and not (system and tfilter == "selfexecutable")
    if tfilter == "community":
        return template["ispublic"] and not template["isfeatured"]
    if tfilter in ("shared", "sharedexecutable"):
        return False  # shared through launch permissions (updateTemplatePermissions), which are not modelled
    if tfilter == "executable":
        return mine or template["ispublic"]
    return ctx.can_see(template) or template["ispublic"]  # all: admins only, checked by the caller


@api("listTemplates")
def list_templates(ctx):
    """QueryManagerImpl.searchForTemplatesInternal: the filter is an enum (431 "No enum constant ..."), `all` for
    admins only; templates of hypervisors no cluster has are left out (none at all without clusters)."""
    tfilter = ctx.p["templatefilter"]
    if tfilter not in TEMPLATE_FILTERS:
        raise errors.invalid(f"No enum constant com.cloud.template.VirtualMachineTemplate.TemplateFilter.{tfilter}")
    if tfilter == "all" and not ctx.caller.is_admin:
        raise errors.invalid("Filter all can be specified by admin only")
    hypervisors = {c["hypervisortype"] for c in ctx.store.all("cluster")}
    templates = [t for t in ctx.store.all("template") if not t.get("removed") and t["hypervisor"] in hypervisors
                 and _template_visible(ctx, t, tfilter)]
    if ctx.has("account") and ctx.caller.is_admin:
        templates = [t for t in templates if t.get("account") == ctx.p["account"]]
    if ctx.has("hypervisor"):
        templates = [t for t in templates if t["hypervisor"].lower() == ctx.p["hypervisor"].lower()]
    return [view for t in keyword_filter(ctx, templates, "name", "displaytext") for view in template_views(ctx, t)]


def _zones(ctx):
    """RegisterTemplateCmd.validateParameters / getZoneIds: zoneid or zoneids, not both; -1 is every zone."""
    zone_ids = ctx.p.get("zoneids") or []
    if ctx.has("zoneid") and zone_ids:
        raise errors.invalid("Both zoneid and zoneids cannot be specified at the same time")
    if not ctx.has("zoneid") and not zone_ids:
        raise errors.invalid("Either zoneid or zoneids is required. Both cannot be null.")
    if len(zone_ids) > 1 and "-1" in zone_ids:
        raise errors.invalid("Parameter zoneids cannot combine all zones (-1) option with other zones")
    wanted = zone_ids or [ctx.p["zoneid"]]
    if wanted == ["-1"]:
        return None
    return [ctx.lookup("zone", "zoneids" if zone_ids else "zoneid", value=z) for z in wanted]


def _check_url(url, fmt):
    """UriUtils.validateUrl (the host's resolution is not checked here) and checkFormat."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https", "file"):
        raise errors.invalid(f"Unsupported scheme for url: {url}")
    if fmt.lower() not in EXTENSIONS:
        return
    path = parts.path.lower()

    def endings(name):
        ext = [f".{e}{c}" for e in EXTENSIONS[name] for c in ("", ".zip", ".bz2", ".gz")]
        return ext + [".metalink"] if name in METALINK else ext

    if not any(path.endswith(e) for e in endings(fmt.lower())):
        if not any(path.endswith(e) for name in EXTENSIONS for e in endings(name)):
            raise errors.invalid(f"Please specify a valid {fmt.lower()}")
        raise errors.invalid(f"Please specify a valid URL. URL:{parts.path} is an invalid for the format "
                             f"{fmt.lower()}")


@api("registerTemplate")
def register_template(ctx):
    """RegisterTemplateCmd.validateParameters, then TemplateAdapterBase.prepare and HypervisorTemplateAdapter
    .prepare in their order; the answer is a list, one entry per zone."""
    zones = _zones(ctx)
    if ctx.p.get("directdownload") and ctx.p["hypervisor"].lower() != "kvm":
        raise errors.invalid("Parameter directdownload is only allowed for KVM or Custom templates")
    if not ctx.p.get("deployasis") and not ctx.has("ostypeid"):
        raise errors.invalid("Please provide a guest OS type")
    if ctx.has("templatetag") and not ctx.caller.is_root:
        raise errors.denied("Parameter templatetag can only be specified by a Root Admin, permission denied")
    owner = ctx.owner()
    hypervisor = next((h for h in HYPERVISOR_NAMES if h.lower() == ctx.p["hypervisor"].lower()), None)
    if hypervisor is None:
        raise errors.invalid(f"Hypervisor Type: {ctx.p['hypervisor']} is invalid. Supported Hypervisor types are: "
                             f"{', '.join(HYPERVISOR_NAMES)}")
    owner_is_root = owner["accounttype"] == 1
    if not owner_is_root and zones is None:
        raise errors.invalid("Please specify a valid zone Id. Only admins can create templates in all zones.")
    _check_file_url(ctx.p["url"])
    fmt = ctx.p["format"].upper()
    if fmt not in IMAGE_FORMATS:
        raise errors.invalid(f"Image format: {ctx.p['format']} is incorrect. Supported formats are "
                             f"[{', '.join(IMAGE_FORMATS)}, ]")
    for zone in zones or []:
        if disabled_for(ctx.caller, zone):
            raise errors.denied(f"Cannot perform this operation, Zone {zone_text(zone)} is currently disabled")
    _check_url(ctx.p["url"], fmt)
    ostype = os_type(ctx) or os_type_named("Other Linux (64-bit)")  # deploy-as-is: the default guest OS
    check_new_template(ctx, owner)  # resource limits (model/limit_checks.py)
    template = add_template(
        ctx, owner, ctx.p["name"], zones if zones is not None else ctx.store.all("zone"), ostype,
        displaytext=ctx.get("displaytext", ctx.p["name"]), format=fmt, hypervisor=hypervisor, url=ctx.p["url"],
        ispublic=bool(ctx.p.get("ispublic")), isfeatured=bool(ctx.p.get("isfeatured")) and owner_is_root,
        isextractable=bool(ctx.p.get("isextractable")), passwordenabled=bool(ctx.p.get("passwordenabled")),
        sshkeyenabled=bool(ctx.p.get("sshkeyenabled")), crossZones=zones is None,
        isdynamicallyscalable=bool(ctx.p.get("isdynamicallyscalable")), requireshvm=ctx.p.get("requireshvm", True),
        directdownload=bool(ctx.p.get("directdownload")),
    )
    ctx.event("TEMPLATE.CREATE", f"Successfully completed creating template. Id: {template['_pk']} name: "
              f"{template['name']}", owner)
    return template_views(ctx, template)


def _check_file_url(url):
    if "file://" in url.lower():
        raise errors.invalid("File:// type urls are currently unsupported")


@api("listOsTypes")
def list_os_types(ctx):
    """ManagementServerImpl.listGuestOSByCriteria: `description` matches part of the name."""
    types = OS_TYPES
    if ctx.has("oscategoryid"):
        types = [t for t in types if t["oscategoryid"] == ctx.p["oscategoryid"]]
    if ctx.has("description"):
        types = [t for t in types if ctx.p["description"].lower() in t["description"].lower()]
    return keyword_filter(ctx, types, "description")
