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
    return f"Ntwk[{network['id']}|Guest|{network['name']}]"


def vpc_text(vpc):
    return f"[VPC [{vpc['id']}-{vpc['name']}]"


def ip_text(ip):
    return f"Ip[{ip['ipaddress']}-{ip['zoneid']}]"


def account_text(account):
    """AccountVO.toString."""
    return f'Account [{{"accountName":"{account["name"]}","id":{account["_pk"]},"uuid":"{account["id"]}"}}]'


def domain_db_path(domain):
    """DomainVO.getPath: the path as the database keeps it, "/" for ROOT and "/customers/" below it."""
    return "/" + "".join(f"{part}/" for part in domain["path"].split("/")[1:])


def domain_text(domain):
    """DomainVO.toString."""
    return (f'Domain {{"id":{domain["_pk"]},"name":"{domain["name"]}","path":"{domain_db_path(domain)}",'
            f'"uuid":"{domain["id"]}"}}')
