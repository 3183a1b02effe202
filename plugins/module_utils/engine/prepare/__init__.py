# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""Preparation of recovery VMs: a coordinator (run.py) and one module per phase."""

from __future__ import annotations

from .run import PrepareRun, prepare_vms

__all__ = ["PrepareRun", "prepare_vms"]
