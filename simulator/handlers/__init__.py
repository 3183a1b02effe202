"""The API commands, one module per resource; importing this package registers every command.

Command modules hold the ``@api`` handlers and the parameter checks CloudStack makes before it
queues work; the rules they apply are in ``model``, the answers they build in ``views``.
``filters``, ``network_common`` and ``vm_common`` are helpers the commands share (no commands).
"""

from . import (  # noqa: F401  (each import registers its module's commands)
    accounts,
    affinity,
    configurations,
    details_tags,
    firewall,
    infra,
    keypairs,
    meta,
    networks,
    offerings,
    public_ips,
    storage_maintenance,
    storage_pools,
    templates,
    userdata,
    vm_lifecycle,
    vm_list,
    vm_nics,
    vm_settings,
    volume_attach,
    volume_import,
    volumes,
    vpcs,
)
