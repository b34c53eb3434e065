#!/bin/sh
# Put the HMSync Migration Wizard (this folder, where it is now) in the applications menu, and
# hmsync-migrate on the PATH.
#
#   ./install-desktop-entry.sh              for you (~/.local/share/applications, ~/.local/bin)
#   sudo ./install-desktop-entry.sh --system   for everyone (/usr/share/applications, /usr/local/bin)
#   ./install-desktop-entry.sh --uninstall [--system]
#
# Move the folder first (e.g. to /opt/hmsync-wizard-VERSION), then run this from there.
set -eu
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
bin="$HOME/.local/bin"
uninstall=0
for a in "$@"; do
  case $a in
    --system) apps=/usr/share/applications; bin=/usr/local/bin ;;
    --uninstall) uninstall=1 ;;
    *) echo "usage: $0 [--system] [--uninstall]" >&2; exit 2 ;;
  esac
done
entry="$apps/hmsync-wizard.desktop"
if [ "$uninstall" = 1 ]; then
  rm -f "$entry" "$bin/hmsync-migrate" "$bin/hmsync-wizard"
  echo "removed $entry and the links in $bin"
  exit 0
fi
[ -x "$HERE/hmsync-wizard" ] || { echo "error: $HERE/hmsync-wizard not found" >&2; exit 1; }
mkdir -p "$apps" "$bin"
sed -e "s|^Exec=.*|Exec=\"$HERE/hmsync-wizard\" %f|" -e "s|^Icon=.*|Icon=$HERE/hmsync-wizard.svg|" \
  "$HERE/hmsync-wizard.desktop" > "$entry"
chmod 644 "$entry"
ln -sf "$HERE/hmsync-migrate" "$bin/hmsync-migrate"
ln -sf "$HERE/hmsync-wizard" "$bin/hmsync-wizard"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" 2>/dev/null || true
echo "installed $entry; hmsync-migrate and hmsync-wizard linked in $bin"
