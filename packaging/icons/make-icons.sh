#!/bin/sh
# Renders the icon's PNG sizes (hicolor theme layout) and the Windows .ico from the two SVGs.
# The outputs are committed, so a build needs neither rsvg-convert nor Python; run this again
# after changing an SVG. Needs rsvg-convert (librsvg2-bin) and /usr/bin/python3 with PIL.
set -eu
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
    svg=qlip-explorer.svg
    [ "$size" -le 32 ] && svg=qlip-explorer-small.svg # the digits do not read below 48 px
    mkdir -p "hicolor/${size}x${size}/apps"
    rsvg-convert -w "$size" -h "$size" "$svg" -o "hicolor/${size}x${size}/apps/qlip-explorer.png"
done
# The .ico holds every size up to 256 (Explorer, the Start menu, the installer).
/usr/bin/python3 - <<'PY'
from PIL import Image
sizes = [16, 24, 32, 48, 64, 128, 256]
images = [Image.open(f"hicolor/{s}x{s}/apps/qlip-explorer.png").convert("RGBA") for s in sizes]
images[-1].save("../windows/qlip-explorer.ico", sizes=[(s, s) for s in sizes], append_images=images[:-1])
PY
echo "icons written: hicolor/*/apps/qlip-explorer.png, ../windows/qlip-explorer.ico"
