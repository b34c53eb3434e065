#!/usr/bin/env bash
# Smoke test of the packaged HMSync Migration Wizard (Linux), as a clinic's IT person gets it.
#
#   build/smoke_test.sh                    build (build/build_linux.sh), then test the archive
#   build/smoke_test.sh --no-build         test the newest dist/hmsync-wizard-*-linux-*.tar.gz
#   build/smoke_test.sh --tarball FILE     test this archive
#   build/smoke_test.sh --bundle DIR       test this unpacked folder (e.g. build/dist/hmsync-wizard)
#   add --keep to keep the temporary folder
#
# The bundle alone is unpacked (or copied) into a temporary folder, and every program is run
# from there with a clean environment: env -i (no venv or checkout on PATH, no PYTHONPATH,
# HOME a fresh folder), cwd elsewhere. Checked:
#   - hmsync-migrate --version and hmsync-wizard --version print the pyproject version;
#   - hmsync-migrate init-db + run <bundled demo export> --report: every check passed, the
#     run was committed, every table imported records;
#   - hmsync-migrate schema on the result: matches; a schema-1 database is upgraded through
#     the bundled Alembic migration scripts;
#   - hmsync-wizard --demo --walkthrough DIR (QT_QPA_PLATFORM=offscreen) exits 0 and writes
#     PNGs (copied to build/work/smoke/ to look at); again on X11 when xvfb-run is installed;
#   - nothing in the bundle changed while it ran.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
build=1 tarball="" bundle="" keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --no-build) build=0 ;;
    --tarball) tarball=$(readlink -f "$2"); build=0; shift ;;
    --bundle) bundle=$(readlink -f "$2"); build=0; shift ;;
    --keep) keep=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "smoke: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "smoke: $*" >&2; }
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

if [ "$build" = 1 ]; then
  tarball=$("$ROOT/build/build_linux.sh" | tail -n 1)
fi
if [ -z "$tarball" ] && [ -z "$bundle" ]; then
  tarball=$(ls -t "$ROOT"/dist/hmsync-wizard-*-linux-"$(uname -m)".tar.gz 2>/dev/null | head -n 1 || true)
  [ -n "$tarball" ] || fail "no dist/hmsync-wizard-*-linux-$(uname -m).tar.gz: run build/build_linux.sh"
fi

# the version the bundle must report: pyproject.toml's, the one place it is set
expected=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$ROOT/pyproject.toml" | head -n 1)
[ -n "$expected" ] || fail "no version in pyproject.toml"
# a Python to read the JSON report with (outside the clean environment: only the bundle runs there)
PYCHECK=${PYTHON:-}
[ -n "$PYCHECK" ] || { [ -x "$ROOT/.venv/bin/python" ] && PYCHECK=$ROOT/.venv/bin/python || PYCHECK=python3; }

T=$(mktemp -d "${TMPDIR:-/tmp}/hmsync-smoke.XXXXXX")
cleanup() { if [ "$keep" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi; }
trap cleanup EXIT
mkdir -p "$T/app" "$T/home" "$T/tmp" "$T/work"
if [ -n "$tarball" ]; then
  say "unpacking $tarball into $T/app"
  tar -C "$T/app" -xzf "$tarball"
else
  say "copying $bundle into $T/app"
  cp -a "$bundle" "$T/app/"
fi
APP=$(find "$T/app" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -x "$APP/hmsync-migrate" ] && [ -x "$APP/hmsync-wizard" ] || fail "no executables in $APP"
say "bundle: $APP ($(du -sh "$APP" | cut -f1))"
fingerprint() { (cd "$APP" && find . -printf '%p %s %l\n' | LC_ALL=C sort | md5sum); }
before=$(fingerprint)

# run PROGRAM ARGS...: from the bundle, clean environment, in $T/work
run() {
  (cd "$T/work" && env -i HOME="$T/home" TMPDIR="$T/tmp" PATH=/usr/bin:/bin LANG=C.UTF-8 \
     ${RUN_ENV:-} timeout "${RUN_TIMEOUT:-300}" "$@")
}

# 1. versions
v=$(run "$APP/hmsync-migrate" --version) || fail "hmsync-migrate --version"
[ "$v" = "hmsync-migrate $expected" ] || fail "hmsync-migrate --version printed '$v', expected $expected"
v=$(run "$APP/hmsync-wizard" --version) || fail "hmsync-wizard --version"
[ "$v" = "hmsync-wizard $expected" ] || fail "hmsync-wizard --version printed '$v', expected $expected"
say "ok: --version of both: $expected"

# 2. the command line: a migration of the bundled demo export into a new database
demo="$APP/_internal/resources/demo/export"
[ -d "$demo" ] || fail "no demo export at $demo"
run "$APP/hmsync-migrate" init-db scratch.db >"$T/init.log" 2>&1 || { cat "$T/init.log"; fail "init-db"; }
set +e
run "$APP/hmsync-migrate" run "$demo" --target scratch.db --report r.json >"$T/run.log" 2>&1
rc=$?
set -e
# 0, or 1 because the demo export has deliberately bad records (rejected, reported)
[ "$rc" -le 1 ] || { cat "$T/run.log"; fail "hmsync-migrate run exited $rc"; }
"$PYCHECK" - "$T/work/r.json" <<'EOF' || { cat "$T/run.log"; fail "the run's report"; }
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
failed = [c["name"] for c in r["checks"] if not c["passed"]]
assert r["checks"] and not failed, f"checks failed: {failed}"
assert r["passed"] and r["committed"], f"passed={r['passed']} committed={r['committed']}"
empty = [t for t, c in r["tables"].items() if c["imported"] <= 0]
assert r["tables"] and not empty, f"nothing imported into {empty}"
print(f"smoke: ok: run: {len(r['checks'])} checks passed, imported "
      + ", ".join(f"{t} {c['imported']}" for t, c in r["tables"].items()), file=sys.stderr)
EOF
[ -s "$T/work/r.html" ] || fail "no HTML report beside r.json"

# 2b. the same through the helper process that big exports are prepared in: in a frozen
# program the helper is this executable started again (multiprocessing.freeze_support)
run "$APP/hmsync-migrate" init-db scratch2.db >"$T/init2.log" 2>&1 || { cat "$T/init2.log"; fail "init-db"; }
set +e
RUN_ENV="HMSYNC_WIZARD_PARALLEL=1" run "$APP/hmsync-migrate" run "$demo" --target scratch2.db \
  --report r2.json --no-backup >"$T/run2.log" 2>&1
rc=$?
set -e
[ "$rc" -le 1 ] || { cat "$T/run2.log"; fail "hmsync-migrate run with the helper process exited $rc"; }
"$PYCHECK" - "$T/work/r.json" "$T/work/r2.json" <<'EOF' || { cat "$T/run2.log"; fail "the run with the helper process"; }
import json, sys
a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
assert b["passed"] and b["committed"], "the run with the helper process did not pass"
assert "of which waiting for the reading process" in b["timings_s"], "no helper process ran"
counts = lambda r: {t: (c["imported"], c["rejected"]) for t, c in r["tables"].items()}
assert counts(a) == counts(b), f"{counts(a)} != {counts(b)}"
print("smoke: ok: run through the helper process: the same counts", file=sys.stderr)
EOF

out=$(run "$APP/hmsync-migrate" schema scratch.db 2>&1) || { echo "$out"; fail "schema scratch.db"; }
case $out in *matches*) ;; *) echo "$out"; fail "schema scratch.db: $out" ;; esac
# the Alembic migration scripts, loaded from files in the bundle
run "$APP/hmsync-migrate" init-db --schema-version 1 old.db >/dev/null 2>&1 || fail "init-db v1"
out=$(run "$APP/hmsync-migrate" schema old.db --upgrade --no-backup 2>&1) \
  || { echo "$out"; fail "schema --upgrade of a version-1 database"; }
out=$(run "$APP/hmsync-migrate" schema old.db 2>&1) || { echo "$out"; fail "schema after upgrade"; }
case $out in *matches*) ;; *) echo "$out"; fail "after the upgrade: $out" ;; esac
say "ok: schema: matches; version 1 upgraded through the bundled migrations"

# 3. the wizard, offscreen, through every page
set +e
RUN_ENV="QT_QPA_PLATFORM=offscreen" RUN_TIMEOUT=600 \
  run "$APP/hmsync-wizard" --demo --walkthrough shots >"$T/walk.log" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || { cat "$T/walk.log"; fail "hmsync-wizard --demo --walkthrough exited $rc"; }
n=0
for png in "$T"/work/shots/*.png; do
  [ -f "$png" ] || continue
  [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$png is not a PNG"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { cat "$T/walk.log"; fail "the walkthrough wrote no PNG"; }
rm -rf "$ROOT/build/work/smoke" && mkdir -p "$ROOT/build/work/smoke"
cp "$T"/work/shots/*.png "$ROOT/build/work/smoke/"
say "ok: wizard walkthrough: exit 0, $n PNGs (copies in build/work/smoke/)"

# ... and on X11 (the xcb platform plugin and its libraries) when Xvfb is installed
if command -v xvfb-run >/dev/null 2>&1 && command -v Xvfb >/dev/null 2>&1; then
  set +e
  RUN_TIMEOUT=600 run xvfb-run -a -s "-screen 0 1280x1024x24" \
    "$APP/hmsync-wizard" --demo --walkthrough shots-xcb >"$T/walk-xcb.log" 2>&1
  rc=$?
  set -e
  [ "$rc" = 0 ] || { cat "$T/walk-xcb.log"; fail "the walkthrough under Xvfb (xcb) exited $rc"; }
  ls "$T"/work/shots-xcb/*.png >/dev/null 2>&1 || fail "the walkthrough under Xvfb wrote no PNG"
  say "ok: wizard walkthrough on X11 (Xvfb, xcb plugin): exit 0"
else
  say "note: xvfb-run not installed: the xcb (X11) platform plugin was not tried"
fi

# 4. a program that writes into its own folder would fail where it is installed read-only
[ "$(fingerprint)" = "$before" ] || fail "the bundle changed while it ran"
say "ok: the bundle is unchanged"
say "PASS"
