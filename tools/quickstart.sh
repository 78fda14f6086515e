#!/bin/sh
# The README's main command: install what is missing, build, and run QLIP Explorer's main job on a
# sample image. Until the explorer window and the embedded default model land, that job is the CLI:
# encode the sample into tokens, decode them back, and print what the model is.
set -eu
cd "$(dirname "$0")/.."
tools/setup-debian.sh
cmake --preset release
cmake --build --preset release -j2
model=tests/data/golden/tiny-b16   # tiny random-weight model in the official checkpoint format
out=${QLIPX_OUT:-out}
mkdir -p "$out"
build/app/qlipx info "$model"
build/app/qlipx encode resources/samples/astronaut.png -m "$model" -o "$out"
build/app/qlipx decode "$out/astronaut.npy" -m "$model" -o "$out/astronaut-decoded.png"
echo "tokens: $out/astronaut.npy (+ .json sidecar), decoded image: $out/astronaut-decoded.png"
