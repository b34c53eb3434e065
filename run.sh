#!/usr/bin/env bash
# Run the HMSync Migration Wizard. With no arguments it opens on the bundled demo export and
# a scratch copy of the demo HMSync database; any arguments go to hmsync-wizard.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
if [ $# -eq 0 ]; then set -- --demo; fi
exec .venv/bin/hmsync-wizard "$@"
