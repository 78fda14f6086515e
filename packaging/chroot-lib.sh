# Shared by test-deb.sh and test-bundle.sh (sourced by bash, not run): clean Debian roots made with
# debootstrap, cached as tarballs so that a rerun unpacks one in seconds instead of bootstrapping
# again, and mounts that are always undone.
#
# Settings (environment):
#   DEBIAN_MIRROR       mirror for debootstrap and apt inside the roots (default deb.debian.org)
#   QLIPX_ROOT_CACHE    where the root tarballs are kept (default <repo>/.cache/packaging-roots,
#                       ignored by git); delete a tarball to bootstrap that root afresh
#   QLIPX_KEEP_ROOT=1   keep the unpacked root after the test (for a look inside)

DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
QLIPX_ROOT_CACHE="${QLIPX_ROOT_CACHE:-$REPO/.cache/packaging-roots}"
MOUNTED=""   # mount points to undo, most recent first

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "FAIL: $*"; exit 1; }

need_root_tools() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot and mounts need it); try sudo $0"
    for tool in debootstrap chroot mount umount tar; do
        command -v "$tool" >/dev/null || die "$tool not found (apt-get install debootstrap)"
    done
}

# Seconds since the epoch with a fraction; elapsed SINCE prints the seconds since SINCE.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# unpack_root SUITE DEST: a fresh minbase root of SUITE in DEST (bootstrapped once, then cached).
unpack_root() {
    suite="$1"; dest="$2"
    tarball="$QLIPX_ROOT_CACHE/$suite-minbase.tar"
    mkdir -p "$QLIPX_ROOT_CACHE"
    if [ ! -f "$tarball" ]; then
        log "bootstrapping a $suite minbase root from $DEBIAN_MIRROR (cached afterwards in ${tarball#"$REPO"/})"
        t0=$(now)
        staging="$QLIPX_ROOT_CACHE/$suite-staging"
        rm -rf "$staging"
        debootstrap --variant=minbase "$suite" "$staging" "$DEBIAN_MIRROR" >"$QLIPX_ROOT_CACHE/$suite-debootstrap.log" 2>&1 ||
            die "debootstrap $suite failed, see $QLIPX_ROOT_CACHE/$suite-debootstrap.log"
        rm -rf "$staging/var/cache/apt/archives/"*.deb
        tar -C "$staging" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
        rm -rf "$staging"
        log "bootstrapped $suite in $(elapsed "$t0") s"
    fi
    rm -rf "$dest"
    mkdir -p "$dest"
    tar -C "$dest" -xf "$tarball"
    # apt inside the root: the suite plus its updates and security fixes, from the same mirror.
    security="$(echo "$DEBIAN_MIRROR" | sed 's#/debian/*$#/debian-security#')"
    {
        echo "deb $DEBIAN_MIRROR $suite main"
        echo "deb $DEBIAN_MIRROR $suite-updates main"
        echo "deb $security $suite-security main"
    } >"$dest/etc/apt/sources.list"
    cp /etc/resolv.conf "$dest/etc/resolv.conf" 2>/dev/null || true
}

# mount_root ROOT: /proc, /dev (+ pts, shm) and /sys inside ROOT; undone by umount_all.
mount_root() {
    r="$1"
    mount -t proc proc "$r/proc" && MOUNTED="$r/proc $MOUNTED"
    mount --bind /dev "$r/dev" && MOUNTED="$r/dev $MOUNTED"
    mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts" 2>/dev/null && MOUNTED="$r/dev/pts $MOUNTED"
    mkdir -p "$r/dev/shm"
    mount -t tmpfs tmpfs "$r/dev/shm" && MOUNTED="$r/dev/shm $MOUNTED"
    mount -t sysfs sysfs "$r/sys" && MOUNTED="$r/sys $MOUNTED"
}

umount_all() {
    for m in $MOUNTED; do umount -l "$m" 2>/dev/null || log "warning: could not unmount $m"; done
    MOUNTED=""
}

# in_root ROOT CMD...: runs CMD with sh inside ROOT, with a clean environment.
in_root() {
    r="$1"; shift
    chroot "$r" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive XDG_RUNTIME_DIR=/tmp/runtime-root /bin/sh -c "$*"
}

# apt_in_root ROOT ARGS...: apt-get in ROOT, quiet, no recommends unless asked.
apt_in_root() {
    r="$1"; shift
    in_root "$r" "apt-get -q -o Dpkg::Use-Pty=0 -o APT::Install-Recommends=false $*"
}

# A list of every file and folder under ROOT (absolute inside the root), sorted, minus the
# volatile places that any run changes (/proc, /sys, /dev, /tmp, /run, apt's and dpkg's logs and caches).
snapshot_files() {
    (cd "$1" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp -o -path ./run \
        -o -path ./var/cache -o -path ./var/log -o -path ./var/lib/apt/lists -o -path ./root \) -prune -o -print) |
        sed 's#^\.##' | sort
}

# screenshot_not_blank PNG MIN_COLOURS [WxH]: fails unless PNG has at least MIN_COLOURS distinct
# colours (a blank or single-colour window has 1-3) and, when given, exactly the size WxH (a window
# that grew past its requested size means broken layout, e.g. no fonts). Uses the host's Python with PIL.
screenshot_not_blank() {
    /usr/bin/python3 - "$1" "$2" "${3:-}" <<'PY' || die "screenshot $1 looks blank or has the wrong size"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
colours = len(set(im.getdata()))
size = f"{im.size[0]}x{im.size[1]}"
print(f"screenshot {sys.argv[1]}: {size}, {colours} distinct colours")
sys.exit(0 if colours >= int(sys.argv[2]) and sys.argv[3] in ("", size) else 1)
PY
}
