#!/usr/bin/env bash
# Run the whole test suite (engine, CLI and the Qt wizard, offscreen).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
# The legacy-database tests start a throwaway PostgreSQL server (tests/pgserver.py): bring
# its binaries (Debian's postgresql) where they are missing and can be installed; without
# them those tests are skipped, naming what is missing.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi
  if [ "$SUDO" != none ]; then
    ($SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
      $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null) || \
      echo "test.sh: could not install postgresql; its tests will be skipped" >&2
  fi
fi
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
