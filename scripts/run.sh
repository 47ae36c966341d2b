#!/usr/bin/env bash
# Set up .venv (if needed) and start the dashboard on the bundled data at http://127.0.0.1:8501
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
exec .venv/bin/python -m dashboard serve "$@"
