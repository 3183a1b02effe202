"""Offerings' zone and domain scope, and the compute-only disk offering behind every service offering.

As CloudStack keeps them: an offering limited to zones or domains has one hidden detail row per zone
(`zoneid`) or domain (`domainid`) holding the internal numeric id (ConfigurationManagerImpl
.createServiceOffering / createDiskOffering: display=false), and none when it is public and in every
zone. Since 4.17 a service offering's disk side (storage tags, provisioning type, root disk size,
encryption, local storage) is a disk offering: a compute-only one made with it, or one given as
`diskofferingid`; the service offering row keeps a copy of those fields for the readers of its own row.
"""

PROVISIONING_TYPES = ("thin", "sparse", "fat")  # Storage.ProvisioningType, matched case-sensitively
STATES = ("Active", "Inactive")  # ServiceOffering.State / DiskOffering.State


def _rows(sim, kind, offering, key):
    return [d for d in sim.store.find("detail", resource_kind=kind, resource_pk=offering["_pk"]) if d["key"] == key]


def scope_pks(sim, kind, offering, key):
    """The internal ids of the zones (key "zoneid") or domains ("domainid") an offering is limited to."""
    return [int(d["value"]) for d in _rows(sim, kind, offering, key)]


def scope_objects(sim, kind, offering, key):
    target = "zone" if key == "zoneid" else "domain"
    found = (sim.store.by_pk(target, pk) for pk in scope_pks(sim, kind, offering, key))
    return [o for o in found if o is not None]


def set_scope(sim, kind, offering, key, objects):
    """Replace an offering's zone or domain rows (updateServiceOffering removes the old ones first)."""
    for row in _rows(sim, kind, offering, key):
        sim.store.delete("detail", row)
    for obj in objects:
        sim.store.add("detail", {"resource_kind": kind, "resource_pk": offering["_pk"], "key": key,
                                 "value": str(obj["_pk"]), "fordisplay": False})


def add_details(sim, kind, offering, details, fordisplay=True):
    for key, value in details.items():
        sim.store.add("detail", {"resource_kind": kind, "resource_pk": offering["_pk"], "key": key,
                                 "value": value, "fordisplay": fordisplay})


def in_zone(sim, kind, offering, zone):
    """QueryManagerImpl's zone join: an offering without zone rows is in every zone."""
    pks = scope_pks(sim, kind, offering, "zoneid")
    return not pks or zone["_pk"] in pks


def related_domain_pks(sim, domain, recursive=False):
    """QueryManagerImpl.findRelatedDomainIds: the domain and its parents up to ROOT (and its subdomains)."""
    pks, current = [], domain
    while current is not None:
        pks.append(current["_pk"])
        current = sim.store.get("domain", current.get("parentdomainid"))
    if recursive:
        pks += [d["_pk"] for d in sim.store.all("domain") if d["id"] != domain["id"]
                and sim.in_domain(d["id"], domain["id"])]
    return pks


def for_domain(sim, kind, offering, domain, recursive=False):
    """Whether an account of `domain` may list the offering: public, or limited to a related domain."""
    pks = scope_pks(sim, kind, offering, "domainid")
    return not pks or bool(set(pks) & set(related_domain_pks(sim, domain, recursive)))


def domain_is_permissible(sim, account_domain, offering_domain):
    """QueryManagerImpl.isPermissible: the offering's domain is the account's domain or one of its parents."""
    return offering_domain["_pk"] in related_domain_pks(sim, account_domain)


def disk_offering_of(sim, service_offering):
    """The disk offering a service offering's ROOT volumes use (compute-only or given at creation)."""
    return sim.store.get("diskoffering", service_offering.get("diskofferingid"))
