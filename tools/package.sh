#!/bin/sh
# Builds the installable packages from this checkout, into build/packages/:
#   qlip-explorer_<version>_amd64.deb                  Debian 12 package (apt-get install ./...)
#   qlip-explorer-<version>-linux-x86_64.tar.gz        portable bundle (unpack anywhere, run bin/qlip-explorer)
# and runs lintian on the .deb when it is installed. Then test them on clean roots (as root):
#   packaging/test-deb.sh && packaging/test-bundle.sh
# The Windows installer is built by .github/workflows/windows.yml (cpack -G NSIS64 on Windows).
set -eu
cd "$(dirname "$0")/.."
tools/setup-debian.sh
cmake --preset release
# Only what goes into the packages; the tests are not needed for them.
cmake --build --preset release -j2 --target qlipx qlip-explorer
rm -f build/packages/qlip-explorer_*.deb build/packages/qlip-explorer-*.tar.gz
(cd build && cpack -G "DEB;TGZ")
ls -l build/packages/
if command -v lintian >/dev/null; then
  lintian --info build/packages/qlip-explorer_*.deb || true
fi
