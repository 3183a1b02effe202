"""Byte units: CloudStack counts memory in MB (MiB) and sizes in bytes or GB (GiB)."""

MIB = 1024 ** 2
GIB = 1024 ** 3
TIB = 1024 * GIB
