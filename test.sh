#!/usr/bin/env bash
# Run the whole test suite (engine, CLI and the Qt wizard, offscreen).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
# The legacy-database tests start throwaway PostgreSQL and MariaDB servers on loopback
# (tests/pgserver.py, tests/mariadbserver.py): bring their binaries (Debian's postgresql and
# mariadb-server) where they are missing and can be installed. Without them those tests
# are skipped, naming what is missing; under CI (CI=true) they fail instead.
need=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ] \
    && [ ! -x /usr/sbin/mysqld ]; then
  need+=(mariadb-server)
fi
if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi
  if [ "$SUDO" != none ]; then
    ($SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
      $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null) || \
      echo "test.sh: could not install ${need[*]}; their tests will be skipped" >&2
  else
    echo "test.sh: ${need[*]} missing and no root to install them; their tests will be skipped" >&2
  fi
fi
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
