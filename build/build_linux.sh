#!/usr/bin/env bash
# Build the Linux release of the HMSync Migration Wizard: one command, from a fresh checkout.
#
#   build/build_linux.sh
#
# 1. sets up .venv when needed (scripts/setup.sh; PyInstaller comes with the `test` and
#    `build` extras), unless HMSYNC_BUILD_PYTHON names the Python to build with;
# 2. runs PyInstaller on installer.spec: build/work/ (scratch) and build/dist/hmsync-wizard/
#    (the folder: hmsync-wizard, hmsync-migrate, _internal/), plus AppRun, the .desktop
#    launcher, the icon and install-desktop-entry.sh;
# 3. packs it as dist/hmsync-wizard-<version>-linux-<arch>.tar.gz (top folder
#    hmsync-wizard-<version>/) and prints its path on the last line.
#
# Everything it writes, caches included, stays inside the checkout (build/work, build/dist,
# dist; all git-ignored). Then: build/smoke_test.sh --no-build tests the result.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
start=$SECONDS

if [ -n "${HMSYNC_BUILD_PYTHON:-}" ]; then
  PY=$HMSYNC_BUILD_PYTHON
else
  scripts/setup.sh
  PY=$ROOT/.venv/bin/python
fi
if ! "$PY" -c 'import PyInstaller' >/dev/null 2>&1; then
  echo "build: installing PyInstaller (the build extra)" >&2
  "$PY" -m pip install -q --disable-pip-version-check "pyinstaller>=6.10,<7"
fi

# PyInstaller's own cache (bootloader, binary cache) inside the checkout, not in ~/.cache
export PYINSTALLER_CONFIG_DIR=$ROOT/build/work/pyinstaller-config
mkdir -p build/work build/dist dist

echo "build: PyInstaller ($("$PY" -m PyInstaller --version)) on installer.spec" >&2
"$PY" -m PyInstaller --noconfirm --clean --log-level "${PYI_LOG_LEVEL:-WARN}" \
  --workpath build/work --distpath build/dist installer.spec

APP=build/dist/hmsync-wizard
install -m 755 build/linux/AppRun build/linux/install-desktop-entry.sh "$APP/"
install -m 644 build/linux/hmsync-wizard.desktop "$APP/"
install -m 644 resources/icons/app.svg "$APP/hmsync-wizard.svg"
ln -sfn hmsync-wizard.svg "$APP/.DirIcon"        # AppImage convention (AppDir icon)

# the version the frozen program itself reports (package metadata; see installer.spec)
VERSION=$("$APP/hmsync-migrate" --version | awk '{print $2}')
case $VERSION in
  ""|0.0.0*) echo "build: the frozen hmsync-migrate reports version '$VERSION': metadata missing" >&2
             exit 1 ;;
esac
ARCH=$(uname -m)
TARBALL=dist/hmsync-wizard-$VERSION-linux-$ARCH.tar.gz
rm -f "$TARBALL"
# top folder renamed to hmsync-wizard-<version> (S: not inside symlink targets)
tar -C build/dist --owner=0 --group=0 --numeric-owner \
  --transform "s,^hmsync-wizard,hmsync-wizard-$VERSION,S" -cf - hmsync-wizard \
  | gzip -6 > "$TARBALL"

echo "build: folder  $APP ($(du -sh "$APP" | cut -f1), $(find "$APP" -type f | wc -l) files)" >&2
echo "build: archive $TARBALL ($(du -h "$TARBALL" | cut -f1)) in $((SECONDS - start)) s" >&2
echo "$ROOT/$TARBALL"
