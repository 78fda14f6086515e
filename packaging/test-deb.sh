#!/bin/bash
# Installs the .deb on a clean Debian 12 (debootstrap minbase root, cached) and checks it works
# there, then that purging it leaves nothing behind:
#   1. lintian on the .deb (errors fail the test; see packaging/README.md for the rest)
#   2. a test harness that a desktop has anyway: xvfb, xauth, shared-mime-info, desktop-file-utils
#   3. apt-get install ./qlip-explorer_*.deb (Depends only: --no-install-recommends)
#   4. qlipx --version, qlipx info, qlipx encode + decode of a sample with the embedded model
#   5. the MIME type and the desktop entry are registered (dpkg triggers); the man pages are there
#   6. qlip-explorer --screenshot under Xvfb; the screenshot must not be blank, the window must have
#      its requested size and the output no font errors
#   7. apt-get purge + autoremove: no file of the package is left; with the harness purged too,
#      the root's file list is back to what it was before
# Usage (as root): packaging/test-deb.sh [path/to/qlip-explorer_VERSION_amd64.deb]
# Default .deb: build/packages/qlip-explorer_*_amd64.deb (tools/package.sh). Log: <deb folder>/test-deb.log.
set -euo pipefail
. "$(dirname "$0")/chroot-lib.sh"
need_root_tools
DEB="${1:-$(ls "$REPO"/build/packages/qlip-explorer_*_amd64.deb 2>/dev/null | tail -1)}"
[ -f "$DEB" ] || die "no .deb given or found in build/packages (run tools/package.sh first)"
DEB="$(cd "$(dirname "$DEB")" && pwd)/$(basename "$DEB")"
LOG="$(dirname "$DEB")/test-deb.log"
WORK="${QLIPX_TEST_WORK:-/tmp/qlipx-test-deb}"
ROOT="$WORK/root"
cleanup() {
    umount_all
    [ "${QLIPX_KEEP_ROOT:-0}" = 1 ] || rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM
mkdir -p "$WORK"
exec > >(tee "$LOG") 2>&1
main() {
log "package: ${DEB#"$REPO"/} ($(du -k "$DEB" | cut -f1) KiB)"
dpkg-deb -f "$DEB" Package Version Architecture Section Installed-Size Depends Recommends | sed 's/^/    /'

if command -v lintian >/dev/null; then
    log "lintian (host)"
    lintian --info --display-info "$DEB" >"$WORK/lintian.txt" 2>&1 || true
    grep -E '^[EWIPX]: ' "$WORK/lintian.txt" | sed 's/^/    /' || true  # the explanations are in $WORK/lintian.txt
    grep -q '^E: ' "$WORK/lintian.txt" && die "lintian reports errors"
    log "lintian: $(grep -c '^W: ' "$WORK/lintian.txt" || true) warnings, $(grep -c '^I: ' "$WORK/lintian.txt" || true) infos, no errors"
fi

t0=$(now)
unpack_root bookworm "$ROOT"
log "clean bookworm root unpacked in $(elapsed "$t0") s"
mount_root "$ROOT"
apt_in_root "$ROOT" update -qq
snapshot_files "$ROOT" >"$WORK/files-before.txt"

# What a desktop already has and the tests need: the MIME and menu databases (whose dpkg triggers
# then register the package's files) and an X server for the screenshot.
log "test harness: xvfb xauth shared-mime-info desktop-file-utils"
t0=$(now)
apt_in_root "$ROOT" install -y xvfb xauth shared-mime-info desktop-file-utils >"$WORK/apt-harness.txt" 2>&1 ||
    { cat "$WORK/apt-harness.txt"; die "installing the harness failed"; }
log "harness installed in $(elapsed "$t0") s"
cp "$DEB" "$ROOT/tmp/"
deb_in_root="/tmp/$(basename "$DEB")"

log "apt-get install $deb_in_root"
t0=$(now)
apt_in_root "$ROOT" install -y "$deb_in_root" >"$WORK/apt-install.txt" 2>&1 || { cat "$WORK/apt-install.txt"; die "apt-get install failed"; }
secs=$(elapsed "$t0")
grep -E "newly installed|Need to get|After this operation" "$WORK/apt-install.txt" | sed 's/^/    /'
log "installed with its dependencies in $secs s"

log "qlipx in the root"
in_root "$ROOT" "qlipx --version" 2>&1 | sed 's/^/    /'
in_root "$ROOT" "qlipx info" 2>&1 | sed 's/^/    /'
in_root "$ROOT" "cd /tmp && mkdir -p out && qlipx encode /usr/share/qlip-explorer/samples/red-apple.png -o out --threads 2 &&
                 qlipx decode out/red-apple.npy -o out/red-apple-decoded.png --threads 2" 2>&1 | sed 's/^/    /'
[ -s "$ROOT/tmp/out/red-apple.npy" ] && [ -s "$ROOT/tmp/out/red-apple.json" ] && [ -s "$ROOT/tmp/out/red-apple-decoded.png" ] ||
    die "encode/decode wrote no tokens or image"
screenshot_not_blank "$ROOT/tmp/out/red-apple-decoded.png" 20

log "desktop integration"
in_root "$ROOT" "test -f /usr/share/mime/application/x-qlipxsession.xml" || die "the MIME type application/x-qlipxsession is not registered"
in_root "$ROOT" "grep '^application/x-qlipxsession=' /usr/share/applications/mimeinfo.cache" | sed 's/^/    mimeinfo.cache: /' ||
    die "the desktop entry is not registered for application/x-qlipxsession"
in_root "$ROOT" "man -w qlipx qlip-explorer 2>/dev/null || ls /usr/share/man/man1/qlipx.1.gz /usr/share/man/man1/qlip-explorer.1.gz" | sed 's/^/    man: /'
log "the explorer under Xvfb"
in_root "$ROOT" "mkdir -p -m 700 \$XDG_RUNTIME_DIR && xvfb-run -a -s '-screen 0 1280x800x24' env QT_QPA_PLATFORM=xcb \
                 qlip-explorer --size 1200x760 --screenshot /tmp/out/explorer.png" >"$WORK/explorer.txt" 2>&1 ||
    { cat "$WORK/explorer.txt"; die "qlip-explorer --screenshot failed"; }
sed 's/^/    /' "$WORK/explorer.txt"
cp "$ROOT/tmp/out/explorer.png" "$(dirname "$DEB")/test-deb-screenshot.png"
grep -qi "fontconfig error\|cannot find font" "$WORK/explorer.txt" && die "the explorer could not load fonts"
screenshot_not_blank "$ROOT/tmp/out/explorer.png" 1000 1200x760

log "apt-get purge"
in_root "$ROOT" "dpkg -L qlip-explorer" >"$WORK/package-files.txt"
t0=$(now)
apt_in_root "$ROOT" purge -y qlip-explorer >"$WORK/apt-purge.txt" 2>&1
apt_in_root "$ROOT" autoremove --purge -y >>"$WORK/apt-purge.txt" 2>&1
log "purged with its dependencies in $(elapsed "$t0") s"
left=0
while read -r f; do
    [ -f "$ROOT$f" ] || [ -L "$ROOT$f" ] || continue
    echo "    left behind: $f"; left=$((left + 1))
done <"$WORK/package-files.txt"
[ "$left" -eq 0 ] || die "$left files of the package are still there after purge"
# The harness goes too, so that the whole file list can be compared with the clean root's.
apt_in_root "$ROOT" purge -y xvfb xauth shared-mime-info desktop-file-utils >>"$WORK/apt-purge.txt" 2>&1
apt_in_root "$ROOT" autoremove --purge -y >>"$WORK/apt-purge.txt" 2>&1
rm -rf "$ROOT/tmp/out" "$ROOT$deb_in_root"
snapshot_files "$ROOT" >"$WORK/files-after.txt"
diff "$WORK/files-before.txt" "$WORK/files-after.txt" >"$WORK/files-diff.txt" || true
if [ -s "$WORK/files-diff.txt" ]; then
    log "files that differ from before the install (after purge + autoremove):"
    sed 's/^/    /' "$WORK/files-diff.txt"
    grep -qi qlip "$WORK/files-diff.txt" && die "files of QLIP Explorer are left"
fi
log "purge: all $(wc -l <"$WORK/package-files.txt") paths of the package gone; file list differs by $(grep -c '^[<>]' "$WORK/files-diff.txt" || true) entries"
log "PASS: the .deb installs, runs and purges cleanly on Debian 12"
}
main
