# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations


class ModuleDocFragment:
    """Check mode and diff support: DOCUMENTATION for the configuration modules (a module's own
    `attributes` refine these; their RETURN extends this fragment for `actions`), READ_ONLY for modules
    that only read, MOVE for the modules that move VMs."""

    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: Reports the changes it would make and makes none.
  diff_mode:
    support: full
    description: Shows the DR details before and after.
"""

    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode changes nothing either.
  diff_mode:
    support: none
    description: The module changes nothing, so there is nothing to show.
"""

    MOVE = r"""
attributes:
  check_mode:
    support: full
    description: Validates and returns the plan, as O(validate_only), changing nothing.
  diff_mode:
    support: none
    description: A move's changes are its steps, returned per VM in RV(vms[].step_seconds).
"""

    RETURN = r"""
actions:
  description: The DR details written (or, in check mode, that would be), per resource.
  returned: always
  type: list
  elements: dict
  contains:
    resource:
      description: The resource, by kind and name.
      type: str
      returned: always
    set:
      description: The details written, key to value (hidden ones included).
      type: dict
      returned: always
    remove:
      description: The keys removed.
      type: list
      elements: str
      returned: always
"""
