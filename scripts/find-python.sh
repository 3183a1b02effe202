#!/usr/bin/env bash
# Print the newest CPython (3.13, then 3.12) on PATH or under pyenv, else python3.
set -euo pipefail
for version in 3.13 3.12; do
    for candidate in "python$version" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/"python$version"; do
        # pyenv shims exist for versions that are not enabled: only a python that runs counts.
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv' >/dev/null 2>&1; then
            command -v "$candidate"
            exit 0
        fi
    done
done
command -v python3
