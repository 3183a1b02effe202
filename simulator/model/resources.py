"""Resource types as addResourceDetail, createTags and their list commands name them."""

from ..errors import invalid

# addResourceDetail/createTags resourcetype (case-insensitive, as ResourceObjectType) -> store kind
RESOURCE_KINDS = {
    "uservm": "vm", "zone": "zone", "serviceoffering": "serviceoffering", "storage": "storagepool",
    "volume": "volume", "network": "network", "vpc": "vpc", "publicipaddress": "publicip",
    "diskoffering": "diskoffering", "template": "template", "nic": "nic", "cluster": "cluster",
    "pod": "pod", "host": "host", "domain": "domain", "account": "account", "user": "user",
    "portforwardingrule": "rule", "firewallrule": "rule", "networkoffering": "networkoffering",
    "vpcoffering": "vpcoffering", "sshkeypair": "sshkeypair", "affinitygroup": "affinitygroup",
}
RESOURCE_TYPE_NAMES = {
    "vm": "UserVm", "zone": "Zone", "serviceoffering": "ServiceOffering", "storagepool": "Storage",
    "volume": "Volume", "network": "Network", "vpc": "Vpc", "publicip": "PublicIpAddress",
    "diskoffering": "DiskOffering", "template": "Template", "nic": "Nic", "cluster": "Cluster", "pod": "Pod",
    "host": "Host", "domain": "Domain", "account": "Account", "user": "User", "rule": "FirewallRule",
    "networkoffering": "NetworkOffering", "vpcoffering": "VpcOffering",
}


def resource_kind(resourcetype):
    kind = RESOURCE_KINDS.get((resourcetype or "").lower())
    if kind is None:
        raise invalid(f"Invalid resource type: {resourcetype}")
    return kind
