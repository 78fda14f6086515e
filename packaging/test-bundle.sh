#!/bin/bash
# Runs the portable bundle on a clean Debian 13 ("trixie", debootstrap minbase root, cached)
# that has neither Qt nor LibTorch nor OpenBLAS, then removes it and checks nothing is left:
#   1. the root has no Qt, LibTorch or BLAS (checked), the bundle unpacks into /opt
#   2. every library of the programs and plugins resolves (ldd: nothing "not found")
#   3. qlipx --version, qlipx info, qlipx encode + decode of a sample with the embedded model
#   4. qlip-explorer --screenshot under Xvfb: only xvfb, xauth, Mesa's GL driver and one font
#      (fonts-dejavu-core and fontconfig-config, the font configuration) are installed for it, what any desktop
#      has; the screenshot must not be blank, the window must have its requested size and the
#      output no font errors (without fonts Qt draws boxes for every letter)
#   5. rm -rf of the bundle's folder leaves the root's file list as it was
# Usage (as root): packaging/test-bundle.sh [path/to/qlip-explorer-VERSION-linux-x86_64.tar.gz]
# Default: build/packages/qlip-explorer-*-linux-x86_64.tar.gz (tools/package.sh). Log: <bundle folder>/test-bundle-<suite>.log.
# QLIPX_BUNDLE_SUITE=bookworm runs it on Debian 12 instead.
set -euo pipefail
. "$(dirname "$0")/chroot-lib.sh"
need_root_tools
BUNDLE="${1:-$(ls "$REPO"/build/packages/qlip-explorer-*-linux-x86_64.tar.gz 2>/dev/null | tail -1)}"
[ -f "$BUNDLE" ] || die "no bundle given or found in build/packages (run tools/package.sh first)"
BUNDLE="$(cd "$(dirname "$BUNDLE")" && pwd)/$(basename "$BUNDLE")"
SUITE="${QLIPX_BUNDLE_SUITE:-trixie}"
LOG="$(dirname "$BUNDLE")/test-bundle-$SUITE.log"
WORK="${QLIPX_TEST_WORK:-/tmp/qlipx-test-bundle}"
ROOT="$WORK/root"
cleanup() {
    umount_all
    [ "${QLIPX_KEEP_ROOT:-0}" = 1 ] || rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM
mkdir -p "$WORK"
exec > >(tee "$LOG") 2>&1

log "bundle: ${BUNDLE#"$REPO"/} ($(du -k "$BUNDLE" | cut -f1) KiB)"
t0=$(now)
unpack_root "$SUITE" "$ROOT"
log "clean $SUITE root unpacked in $(elapsed "$t0") s ($(in_root "$ROOT" "cat /etc/debian_version"))"
mount_root "$ROOT"
if in_root "$ROOT" "dpkg-query -W -f='\${Package}\n' | grep -E '^(libqt6|qt6-|libtorch|libopenblas|libblas|libgl1|libxcb1\$)'"; then
    die "the root is not clean: it has Qt, LibTorch, BLAS or GL packages"
fi
log "the root has no Qt, LibTorch, BLAS, GL or X libraries"
snapshot_files "$ROOT" >"$WORK/files-before.txt"

t0=$(now)
mkdir -p "$ROOT/opt"
[ -z "$(ls -A "$ROOT/opt")" ] || die "/opt of the clean root is not empty"
tar -C "$ROOT/opt" -xzf "$BUNDLE"
DIR="/opt/$(ls "$ROOT/opt")"
log "unpacked into $DIR in $(elapsed "$t0") s: $(du -sh "$ROOT$DIR" | cut -f1), $(find "$ROOT$DIR/lib" -maxdepth 1 -name '*.so*' | wc -l) libraries in lib/"

log "qlipx in the root"
missing=$(in_root "$ROOT" "ldd $DIR/bin/qlipx" | grep 'not found' || true)
[ -z "$missing" ] || die "qlipx: libraries not found: $missing"
in_root "$ROOT" "$DIR/bin/qlipx --version" | sed 's/^/    /'
in_root "$ROOT" "$DIR/bin/qlipx info" | sed 's/^/    /'
in_root "$ROOT" "cd /tmp && mkdir -p out && $DIR/bin/qlipx encode $DIR/share/qlip-explorer/samples/red-apple.png -o out --threads 2 &&
                 $DIR/bin/qlipx decode out/red-apple.npy -o out/red-apple-decoded.png --threads 2" | sed 's/^/    /'
[ -s "$ROOT/tmp/out/red-apple.npy" ] && [ -s "$ROOT/tmp/out/red-apple-decoded.png" ] || die "encode/decode wrote no tokens or image"
screenshot_not_blank "$ROOT/tmp/out/red-apple-decoded.png" 20

log "the explorer under Xvfb (installed for the test: xvfb xauth libgl1-mesa-dri fonts-dejavu-core fontconfig-config)"
t0=$(now)
apt_in_root "$ROOT" update -qq
apt_in_root "$ROOT" install -y xvfb xauth libgl1-mesa-dri fonts-dejavu-core fontconfig-config >"$WORK/apt-harness.txt" 2>&1 || { cat "$WORK/apt-harness.txt"; die "installing xvfb failed"; }
grep -E "newly installed" "$WORK/apt-harness.txt" | sed 's/^/    /'
log "harness installed in $(elapsed "$t0") s"
for f in "$DIR/bin/qlip-explorer" "$DIR"/lib/qt6/plugins/platforms/*.so "$DIR"/lib/qt6/plugins/xcbglintegrations/*.so; do
    missing=$(in_root "$ROOT" "ldd $f" | grep 'not found' || true)
    [ -z "$missing" ] || die "$f: libraries not found: $missing"
done
log "every library of qlip-explorer and its xcb plugins resolves"
from_bundle=$(in_root "$ROOT" "ldd $DIR/bin/qlip-explorer" | awk '{print $3}' | grep -c "^$DIR/\(bin/\.\./\)\?lib/" || true)
from_system=$(in_root "$ROOT" "ldd $DIR/bin/qlip-explorer" | awk '$3 ~ /^\// {print $3}' | grep -vc "^$DIR/" || true)
log "qlip-explorer loads $from_bundle libraries from the bundle and $from_system from the system"
in_root "$ROOT" "mkdir -p -m 700 \$XDG_RUNTIME_DIR && xvfb-run -a -s '-screen 0 1280x800x24' env QT_QPA_PLATFORM=xcb \
                 $DIR/bin/qlip-explorer --size 1200x760 --screenshot /tmp/out/explorer.png" >"$WORK/explorer.txt" 2>&1 ||
    { cat "$WORK/explorer.txt"; die "qlip-explorer --screenshot failed"; }
sed 's/^/    /' "$WORK/explorer.txt"
cp "$ROOT/tmp/out/explorer.png" "$(dirname "$BUNDLE")/test-bundle-screenshot.png"
grep -qi "fontconfig error\|cannot find font" "$WORK/explorer.txt" && die "the explorer could not load fonts"
screenshot_not_blank "$ROOT/tmp/out/explorer.png" 1000 1200x760

log "removal"
rm -rf "$ROOT$DIR" "$ROOT/tmp/out"
apt_in_root "$ROOT" purge -y xvfb xauth libgl1-mesa-dri fonts-dejavu-core fontconfig-config >"$WORK/apt-purge.txt" 2>&1
apt_in_root "$ROOT" autoremove --purge -y >>"$WORK/apt-purge.txt" 2>&1
snapshot_files "$ROOT" >"$WORK/files-after.txt"
diff "$WORK/files-before.txt" "$WORK/files-after.txt" >"$WORK/files-diff.txt" || true
if [ -s "$WORK/files-diff.txt" ]; then
    log "files that differ from before the bundle (after removing it and the harness):"
    sed 's/^/    /' "$WORK/files-diff.txt"
    grep -qi qlip "$WORK/files-diff.txt" && die "files of QLIP Explorer are left"
fi
log "written into the home folder by the run (settings, caches; the bundle's own files are all gone):"
(cd "$ROOT/root" && find . -newer "$WORK/files-before.txt" -type f | cut -d/ -f2-3 | sort | uniq -c | sed 's/^/    /')
log "PASS: the bundle runs on $SUITE without Qt or LibTorch installed, and leaves nothing after rm -rf"
