"""The control surface's ops (control.py answers them); importing this package registers every op."""

from . import hosts, replication, status, storage, tenants, usage, zones  # noqa: F401  (each import registers its module's ops)
