"""Print the zone links stored in a cloud, read through the collection's API layer.

Credentials as for the modules: CLOUDSTACK_* variables, then cloudstack.ini (CLOUDSTACK_CONFIG).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "build" / "collections"))

from ansible_collections.cloudstack.dr.plugins.module_utils.client.api import (
    Client,
    resolve_config,
)
from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary import details
from ansible_collections.cloudstack.dr.plugins.module_utils.vocabulary.keys import (
    NETWORK_MAP,
    RECOVERY_ZONE,
)
from cs import CloudStack


def main() -> int:
    client = Client(CloudStack(**resolve_config({"api_region": os.environ.get("CLOUDSTACK_REGION")})))
    zones = {zone["id"]: zone["name"] for zone in client.list("listZones")}
    networks = {net["id"]: net["name"] for net in client.list("listNetworks", type="Shared", listall=True)}
    print("zone links:")
    for zone_id, name in sorted(zones.items(), key=lambda item: item[1]):
        stored = details.read(client, "Zone", zone_id, f"zone {name}")
        recovery = stored.get(RECOVERY_ZONE.key())
        if recovery is None:
            print(f"  {name}: not protected")
            continue
        mapped = [f"{networks.get(NETWORK_MAP.suffix(k), k)} -> {networks.get(d.value, d.value)}"
                  for k, d in stored.items() if NETWORK_MAP.owns(k)]
        print(f"  {name} is protected by {zones.get(recovery.value, recovery.value)};"
              f" networks: {', '.join(sorted(mapped)) or 'none mapped'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
