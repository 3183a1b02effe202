"""How CloudStack's exceptions print objects (the toString of its VOs), for error texts."""


def vm_text(vm):
    """VMInstanceVO.toString."""
    instance = vm.get("instancename") or f"i-{vm.get('_pk')}-VM"
    return f'VM instance {{"id":{vm.get("_pk")},"instanceName":"{instance}","type":"User","uuid":"{vm["id"]}"}}'


def pool_text(pool):
    """StoragePoolVO.toString."""
    return (f'StoragePool {{"id":{pool["_pk"]},"name":"{pool["name"]}","poolType":"{pool["type"]}",'
            f'"uuid":"{pool["id"]}"}}')


def volume_text(vol):
    return (f'Volume {{"id":{vol["_pk"]},"name":"{vol["name"]}","uuid":"{vol["id"]}",'
            f'"volumeType":"{vol["type"]}"}}')


def network_text(network):
    """NetworkVO.toString (4.20): its own format, with spaces."""
    return (f'Network {{"id": {network.get("_pk")}, "name": "{network["name"]}", "uuid": "{network["id"]}", '
            f'"networkofferingid": {network.get("_offering_pk")}}}')


def vpc_text(vpc):
    """VpcVO.toString: the selected fields in declaration order, JSON style."""
    return f'VPC {{"id":{vpc.get("_pk")},"uuid":"{vpc["id"]}","name":"{vpc["name"]}"}}'


def ip_text(ip):
    """IPAddressVO.toString."""
    return (f'IPAddress {{"id":{ip.get("_pk")},"address":"{ip["ipaddress"]}","dataCenterId":{ip.get("_zone_pk")},'
            f'"uuid":"{ip["id"]}"}}')


PURPOSES = {"firewall": "Firewall", "egress": "Firewall", "portforward": "PortForwarding"}


def rule_text(rule):
    """FirewallRuleVO.toString (a port-forwarding rule prints the same fields)."""
    return (f'FirewallRule {{"id":{rule.get("_pk")},"purpose":"{PURPOSES[rule["ruletype"]]}",'
            f'"state":"{rule["state"]}","networkId":{rule.get("_network_pk")},"uuid":"{rule["id"]}"}}')


def account_text(account):
    """AccountVO.toString."""
    return f'Account [{{"id":{account.get("_pk")},"accountName":"{account["name"]}","uuid":"{account["id"]}"}}]'
