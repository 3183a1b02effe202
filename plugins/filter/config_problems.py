# Copyright: cloudstack.dr contributors
# Apache License 2.0 (see LICENSE)
"""The filter cloudstack.dr.config_problems: what is wrong with a DR configuration file's top-level keys."""

from __future__ import annotations

DOCUMENTATION = r"""
name: config_problems
short_description: What is wrong with the top-level keys of a DR configuration file
version_added: 0.1.0
description:
  - Checks a DR configuration file read as a dictionary (the shape of C(playbooks/vars/demo.yml)) and returns one
    sentence per problem - an unknown key with the closest valid name, a required key that is missing, a value that
    is not a list - or an empty list. C(playbooks/configure.yml) refuses a file with problems before any change, so a
    misspelled key is never silently skipped.
options:
  _input:
    description: The configuration file's content.
    type: dict
    required: true
author:
  - cloudstack.dr contributors
"""

EXAMPLES = r"""
- name: Refuse a configuration file with a misspelled key
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ lookup('ansible.builtin.file', 'my-dr.yml') | from_yaml | cloudstack.dr.config_problems }}"
"""

RETURN = r"""
_value:
  description: One sentence per problem, each naming the key and the fix; empty when the file is right.
  type: list
  elements: str
"""

from difflib import get_close_matches
from typing import Any

# The top-level keys of a DR configuration file, and whether the file must have it.
KEYS = {"dr_zone_links": True, "dr_offerings": False, "dr_storage_maps": False}


def config_problems(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return [f"the file must be a mapping of {', '.join(KEYS)}, not {type(data).__name__}"]
    problems = []
    for key in data:
        if key not in KEYS:
            close = get_close_matches(str(key), list(KEYS), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"the keys are {', '.join(KEYS)}"
            problems.append(f"unknown key {key}: {hint}")
        elif not isinstance(data[key], list):
            problems.append(f"{key} must be a list of items (- ...), not {type(data[key]).__name__}")
    problems += [f"missing key {key}: the file must have it (see playbooks/vars/demo.yml)"
                 for key, required in KEYS.items() if required and key not in data]
    return problems


class FilterModule:
    def filters(self) -> dict:
        return {"config_problems": config_problems}
