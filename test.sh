#!/usr/bin/env bash
# Run the whole test suite (engine, CLI and the Qt wizard, offscreen).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
