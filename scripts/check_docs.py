"""What ansible-test's validate-modules checks that matters most, runnable offline.

For every module: `ansible-doc` renders it (doc fragments resolved), EXAMPLES and RETURN are
there, and its argument spec and DOCUMENTATION agree option by option (type, required, default,
choices, elements, aliases, suboptions). Exits non-zero with one line per disagreement.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "collections"))

from ansible_collections.cloudstack.dr.plugins.module_utils import base  # noqa: E402 (importable once the path is set)

FIELDS = ("type", "required", "default", "choices", "elements")


def documented(module: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "ansible.cli.doc", "--json", f"cloudstack.dr.{module}"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out)[f"cloudstack.dr.{module}"]


class _Captured(Exception):
    pass


def argument_spec(module: str) -> dict:
    """The argument spec the module's main() gives AnsibleModule (caught there, as validate-modules does)."""
    code = importlib.import_module(f"ansible_collections.cloudstack.dr.plugins.modules.{module}")

    def capture(self, argument_spec, **kwargs):
        raise _Captured(argument_spec)

    with mock.patch.object(base.AnsibleModule, "__init__", capture):
        try:
            code.main()
        except _Captured as captured:
            return captured.args[0]
    raise AssertionError(f"{module}: main() did not create an AnsibleModule")


def normalised(option: dict, key: str):
    value = option.get(key)
    defaults = {"type": "str", "required": False}
    return defaults.get(key) if value is None and key in defaults else value


def compare(where: str, spec: dict, docs: dict) -> list:
    problems = [f"{where}{name}: in the argument spec, not documented" for name in spec.keys() - docs.keys()]
    problems += [f"{where}{name}: documented, not in the argument spec" for name in docs.keys() - spec.keys()]
    for name in sorted(spec.keys() & docs.keys()):
        s, d = spec[name], docs[name]
        for key in FIELDS:
            if normalised(s, key) != normalised(d, key):
                problems.append(f"{where}{name}: {key} is {normalised(s, key)!r} in the spec, "
                                f"{normalised(d, key)!r} in DOCUMENTATION")
        if sorted(s.get("aliases") or []) != sorted(d.get("aliases") or []):
            problems.append(f"{where}{name}: aliases differ")
        problems += compare(f"{where}{name}.", s.get("options") or {}, d.get("suboptions") or {})
    return problems


def main() -> int:
    problems = []
    for path in sorted((ROOT / "plugins" / "modules").glob("*.py")):
        doc = documented(path.stem)
        for section in ("examples", "return"):
            if not doc.get(section):
                problems.append(f"{path.stem}: {section.upper()} is missing")
        problems += compare(f"{path.stem}: ", argument_spec(path.stem), doc["doc"]["options"])
        print(f"{path.stem}: documentation renders", flush=True)
    print("\n".join(problems) or "argument specs and documentation agree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
