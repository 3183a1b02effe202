"""Make the collection importable as ansible_collections.cloudstack.dr from the build tree."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / "build" / "collections"
LINK = COLLECTIONS / "ansible_collections" / "cloudstack" / "dr"

if not LINK.exists():  # `make venv` creates it; a bare pytest run must work too
    LINK.parent.mkdir(parents=True, exist_ok=True)
    LINK.symlink_to(Path("../../../.."), target_is_directory=True)
sys.path.insert(0, str(COLLECTIONS))
