#!/bin/bash
# CTest script (issue 15): hostile inputs through qlipx must fail fast, with a clear message
# naming the problem, in bounded memory. Each case runs under a 3 GB address-space limit and a
# 60 s timeout: before the fixes, `num_hidden_layers: 1e9` grew without end, 1000 layers took
# 2 GB and 93 s, --threads 99999 hung. Peak RSS figures are in docs/reliability.md.
# Usage: cli_bad_input.sh QLIPX SOURCE_DIR WORK_DIR
set -u
QLIPX=$1 SRC=$2 WORK=$3
GOLDEN=$SRC/tests/data/golden/tiny-b16
IMAGE=$SRC/tests/data/emoji-heldout/fluent_00.png
rm -rf "$WORK" && mkdir -p "$WORK"
failures=0
# AddressSanitizer reserves terabytes of address space: no -v limit for a sanitized qlipx.
VLIMIT=3000000
if ldd "$QLIPX" 2>/dev/null | grep -q libasan; then VLIMIT=unlimited; fi

# expect NAME "MESSAGE PART" qlipx-arguments...
expect() {
  local name=$1 part=$2; shift 2
  local out rc
  out=$( (ulimit -v $VLIMIT; timeout 60 "$QLIPX" "$@") 2>&1 ); rc=$?
  if [ $rc -eq 0 ]; then echo "FAIL $name: accepted (exit 0)"; failures=$((failures+1)); return; fi
  if [ $rc -eq 124 ]; then echo "FAIL $name: still running after 60 s"; failures=$((failures+1)); return; fi
  if ! grep -qF -- "$part" <<<"$out"; then
    echo "FAIL $name: exit $rc without '$part':"; echo "$out" | head -5; failures=$((failures+1)); return
  fi
  if grep -qE '(^|[ :=])-?nan($|[ ,])' <<<"$out"; then echo "FAIL $name: prints nan"; failures=$((failures+1)); return; fi
  echo "ok   $name: $(grep -F -- "$part" <<<"$out" | head -1 | cut -c1-160)"
}

# model VARIANT SECTION KEY VALUE: a copy of the golden model with one config value replaced.
model() {
  local dir=$WORK/$1; mkdir -p "$dir"
  cp "$GOLDEN/model.safetensors" "$dir/"
  sed -E "/\"$2\"/,/}/ s/(\"$3\": )[^,}]*/\1$4/" "$GOLDEN/config.json" > "$dir/config.json"
  echo "$dir"
}

# Defect 4: option ranges.
expect threads-99999 "--threads must be between 0 and 1024 (got 99999)" encode "$IMAGE" -m "$GOLDEN" -o "$WORK/o" --threads 99999
expect threads-minus-1 "--threads must be between 0 and 1024 (got -1)" encode "$IMAGE" -m "$GOLDEN" -o "$WORK/o" --threads -1
expect batch-0 "--batch must be between 1 and 4096 (got 0)" encode "$IMAGE" -m "$GOLDEN" -o "$WORK/o" --batch 0
expect batch-minus-1 "--batch must be between 1 and 4096 (got -1)" encode "$IMAGE" -m "$GOLDEN" -o "$WORK/o" --batch=-1
expect top-minus-5 "--top must be between 0 and 1000000 (got -5)" query "$IMAGE" -m "$GOLDEN" --labels a,b --top -5
expect temperature-nan "--temperature expects a number, got 'nan'" generate "a cat" --temperature nan -o "$WORK/gen"
expect threads-overflow "--threads must be between 0 and 1024 (got 99999999999999999999)" info "$GOLDEN" --threads 99999999999999999999

# Defect 2 and 3: configs that used to allocate without end, and truncated integers.
expect layers-1e9 "num_hidden_layers must be between 0 and 256, got 1000000000" info "$(model layers1e9 vision_config num_hidden_layers 1e9)"
expect layers-1000 "num_hidden_layers must be between 0 and 256, got 1000" info "$(model layers1000 decoder_config num_hidden_layers 1000)"
expect vocab-2e6 "vocab_size must be between 1 and 1048576, got 2000000" info "$(model vocab2e6 text_config vocab_size 2e6)"
expect hidden-2^32+192 "hidden_size: 4294967488 is out of range" info "$(model hidden2p32 vision_config hidden_size 4294967488)"
expect hidden-1e12 "hidden_size: 1000000000000 is out of range" info "$(model hidden1e12 vision_config hidden_size 1e12)"
expect layers-vs-file "checked before building the model" info "$(model layers3 text_config num_hidden_layers 3)"
expect bos-out-of-range "bos_token_id must be between 0 and 49407, got 50000" info "$(model bos text_config bos_token_id 50000)"

# Defect 3: safetensors offsets through a double.
bad=$WORK/offsets; mkdir -p "$bad"; cp "$GOLDEN/config.json" "$bad/"
header='{"t":{"dtype":"F32","shape":[0],"data_offsets":[0,1e300]}}'
printf "\\x$(printf %02x ${#header})\\x00\\x00\\x00\\x00\\x00\\x00\\x00%s" "$header" > "$bad/model.safetensors"
expect offsets-1e300 "data_offsets must be two non-negative integers" info "$bad"

# Defect 3: npy shapes.
npy() { # npy FILE SHAPE DATA_BYTES
  local h="{'descr': '<i8', 'fortran_order': False, 'shape': $2, }"
  { printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $((${#h}+1)))\\x00"; printf '%s\n' "$h"; head -c "$3" /dev/zero; } > "$1"
}
npy "$WORK/junk.npy" "(8, 8 junk!)" 512
expect npy-junk-shape "malformed .npy shape (8, 8 junk!)" decode "$WORK/junk.npy" -m "$GOLDEN" -o "$WORK/junk.png"
npy "$WORK/huge.npy" "(4611686018427387904,)" 0
expect npy-2^62 "more elements than any file can hold" decode "$WORK/huge.npy" -m "$GOLDEN" -o "$WORK/huge.png"

# Defect 5: NaN weights give an error, not an all-zero grid or "-nan" scores.
nan=$WORK/nanweights; mkdir -p "$nan"; cp "$GOLDEN/config.json" "$GOLDEN/model.safetensors" "$nan/"
hl=$(od -An -tu8 -N8 "$nan/model.safetensors" | tr -d ' ')
size=$(stat -c %s "$nan/model.safetensors")
tr '\0' '\377' < /dev/zero | head -c $((size - 8 - hl)) | dd of="$nan/model.safetensors" bs=1M seek=$((8 + hl)) oflag=seek_bytes conv=notrunc status=none
expect nan-encode "encoding produced NaN or infinite values" encode "$IMAGE" -m "$nan" -o "$WORK/nan-out"
expect nan-query "produced NaN or infinite values" query "$IMAGE" -m "$nan" --labels a,b
if [ -e "$WORK/nan-out/fluent_00.npy" ]; then echo "FAIL nan-encode wrote a token file"; failures=$((failures+1)); fi

if [ $failures -eq 0 ]; then echo "cli_bad_input: all checks passed"; else echo "cli_bad_input: $failures failed"; exit 1; fi
