"""Resource types as addResourceDetail, createTags and their list commands name them.

ResourceTag.ResourceObjectType: each type says whether it takes tags and whether it takes
resource details (metadata); ResourceManagerUtilImpl resolves a type name case-insensitively
and a resource by its uuid.
"""

from .. import errors

# ResourceObjectType name -> (tags, details), as ResourceTag.java declares them
OBJECT_TYPES = {
    "UserVm": (True, True), "Template": (True, True), "VnfTemplate": (False, False), "ISO": (True, False),
    "Volume": (True, True), "Snapshot": (True, False), "Backup": (True, False), "Network": (True, True),
    "DomainRouter": (False, False), "Nic": (False, True), "LoadBalancer": (True, True),
    "PortForwardingRule": (True, True), "FirewallRule": (True, True), "SecurityGroup": (True, False),
    "SecurityGroupRule": (True, False), "PublicIpAddress": (True, True), "Project": (True, False),
    "Account": (True, False), "Vpc": (True, True), "NetworkACL": (True, True), "StaticRoute": (True, False),
    "VMSnapshot": (True, False), "RemoteAccessVpn": (True, True), "Zone": (False, True),
    "ServiceOffering": (False, True), "Storage": (False, True), "PrivateGateway": (False, True),
    "NetworkACLList": (False, True), "VpnGateway": (False, True), "CustomerGateway": (False, True),
    "VpnConnection": (False, True), "User": (True, True), "DiskOffering": (False, True),
    "AutoScaleVmProfile": (False, True), "AutoScaleVmGroup": (False, True), "LBStickinessPolicy": (False, True),
    "LBHealthCheckPolicy": (False, True), "SnapshotPolicy": (True, True), "GuestOs": (False, True),
    "NetworkOffering": (False, True), "VpcOffering": (True, False), "Domain": (False, False),
    "ObjectStore": (False, False),
}
_BY_LOWER = {name.lower(): name for name in OBJECT_TYPES}
# The store kind that holds each type's objects (types the simulator does not model hold none).
KINDS = {
    "UserVm": "vm", "Template": "template", "ISO": "template", "Volume": "volume", "Network": "network",
    "Nic": "nic", "PortForwardingRule": "rule", "FirewallRule": "rule", "PublicIpAddress": "publicip", "Vpc": "vpc",
    "Zone": "zone", "ServiceOffering": "serviceoffering", "Storage": "storagepool", "DiskOffering": "diskoffering",
    "User": "user", "Account": "account", "Domain": "domain", "NetworkOffering": "networkoffering",
    "VpcOffering": "vpcoffering", "Snapshot": "snapshot", "VMSnapshot": "vmsnapshot",
}
# store kind -> the type name listings answer (resourcetype)
RESOURCE_TYPE_NAMES = {"vm": "UserVm", "template": "Template", "volume": "Volume", "network": "Network", "nic": "Nic",
                       "rule": "FirewallRule", "publicip": "PublicIpAddress", "vpc": "Vpc", "zone": "Zone",
                       "serviceoffering": "ServiceOffering", "storagepool": "Storage", "diskoffering": "DiskOffering",
                       "user": "User", "account": "Account", "domain": "Domain", "networkoffering": "NetworkOffering",
                       "vpcoffering": "VpcOffering", "snapshot": "Snapshot", "vmsnapshot": "VMSnapshot"}
# The value column of each type's details table (engine/schema db scripts): longer values fail the INSERT.
DETAIL_VALUE_LENGTH = {"UserVm": 5120, "Storage": 255, "ServiceOffering": 65535}
DEFAULT_DETAIL_VALUE_LENGTH = 1024
DETAIL_KEY_LENGTH = 255


def object_type(name):
    """ResourceManagerUtilImpl.getResourceType: the type's proper name; 431 for a name that is none."""
    found = _BY_LOWER.get((name or "").lower())
    if found is None:
        raise errors.invalid(f"Invalid resource type {name}")
    return found


def find_resource(store, type_name, uuid):
    """ResourceManagerUtilImpl.getResourceId: the live object of the type with that uuid; 431 when there is none."""
    kind = KINDS.get(type_name)
    obj = store.get(kind, uuid) if kind else None
    if type_name == "PortForwardingRule" and obj is not None and obj.get("ruletype") != "portforward":
        obj = None
    if obj is None or obj.get("removed"):
        raise errors.invalid(f"Unable to find resource by uuid {uuid} and type {type_name}")
    return kind, obj


def detail_value_length(type_name):
    return DETAIL_VALUE_LENGTH.get(type_name, DEFAULT_DETAIL_VALUE_LENGTH)
