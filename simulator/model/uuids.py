"""Custom ids (`customid`): who may set one, its form, and CloudStack's uniqueness rules."""

import re

from .. import errors
from ..errors import ApiError

UUID_FORMAT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# The unique key on the uuid column of each kind's table (schema-2214to30.sql and later): a removed row keeps
# its uuid, so findByUuid (which skips removed rows) lets it through and the INSERT/UPDATE then fails.
UNIQUE_KEYS = {"vm": "vm_instance.uc_vm_instance_uuid", "volume": "volumes.uc_volumes_uuid",
               "network": "networks.uc_networks_uuid", "vpc": "vpc.uc_vpc_uuid"}


def check_custom_id(ctx, kind, uuid):
    """UUIDManagerImpl.checkUuid: root admins only (PermissionDeniedException), the UUID form, and no other
    live object of the kind with that id (the object's own current id counts too); then a removed one's id
    fails in the database (GenericDaoBase.persist/update: a CloudRuntimeException, 530)."""
    if not ctx.caller.is_root:
        raise errors.denied("Please check your permissions, you are not allowed to create/update custom id")
    if not UUID_FORMAT.match(uuid):
        raise errors.invalid(f"UUID: {uuid} doesn't follow the UUID format")
    holder = ctx.store.get(kind, uuid)
    if holder is not None and not holder.get("removed"):
        raise errors.invalid(f"UUID: {uuid} already exists so can't create/update with custom id")
    if holder is not None:
        raise ApiError(errors.INTERNAL_ERROR, f"DB Exception on: Duplicate entry '{uuid}' for key "
                                              f"'{UNIQUE_KEYS.get(kind, kind + '.uuid')}'", errors.CS_CLOUD_RUNTIME)
