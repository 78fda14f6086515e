#!/bin/sh
# Installs what QLIP Explorer needs on Debian 12 and is not there yet (build, tests, screenshots).
# Safe to run again: only missing packages are installed. Runs apt through sudo when not root.
set -eu
# Line 6: packaging and its CTest checks (issue #14): man pages, the bundle's RPATH, the .deb's
# Depends, desktop/AppStream validation. Line 7: the Windows checks (NSIS script, mingw-w64 build
# of the Torch-free core, wine to run it). Image decoders (issue #15): libpng, libjpeg-turbo,
# libwebp, libtiff (each optional: without them stb_image decodes PNG/JPEG and WebP/TIFF are off).
# Last line (issue #15): nlohmann-json for core's JSON, and clang-14 + its runtime (libFuzzer) for
# the fuzz harnesses (tests/fuzz, tools/fuzz.sh).
PACKAGES="
  cmake ninja-build g++ pkg-config ccache
  libtorch-dev libopenblas0-openmp libstb-dev
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev libimgui-dev
  xvfb xauth libgl1-mesa-dri fonts-dejavu-core
  python3-torch python3-pil python3-numpy librsvg2-bin
  help2man patchelf dpkg-dev file desktop-file-utils appstream
  nsis g++-mingw-w64-x86-64 wine64
  libcurl4-openssl-dev
  libpng-dev libjpeg62-turbo-dev libwebp-dev libtiff-dev
  nlohmann-json3-dev clang-14 libclang-rt-14-dev
"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "setup-debian: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup-debian: installing$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
