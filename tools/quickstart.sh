#!/bin/sh
# The README's main command: install what is missing, build, and run QLIP Explorer's main job on a
# sample image with the embedded default model: the CLI encodes samples into tokens, runs a zero-shot
# query and decodes tokens back to pixels, then the explorer window opens on the sample.
set -eu
cd "$(dirname "$0")/.."
tools/setup-debian.sh
cmake --preset release
cmake --build --preset release -j2
model=resources/models/qlip-emoji-64   # the embedded default model (see its README)
out=${QLIPX_OUT:-out}
mkdir -p "$out"
build/bin/qlipx info "$model"
build/bin/qlipx encode resources/samples/astronaut.png resources/samples/red-apple.png -m "$model" -o "$out"
build/bin/qlipx query resources/samples/red-apple.png -m "$model" --template "an emoji of {}" --labels "red apple, green apple, banana, cat face, rocket, red heart"
build/bin/qlipx decode "$out/red-apple.npy" -m "$model" -o "$out/red-apple-decoded.png"
echo "tokens: $out/*.npy (+ .json sidecars), decoded image: $out/red-apple-decoded.png"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x build/bin/qlip-explorer ]; then
  exec build/bin/qlip-explorer --model "$model" resources/samples/red-apple.png
fi
echo "no display: the explorer window is build/bin/qlip-explorer (run it under X11/Wayland)"
