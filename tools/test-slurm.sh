#!/bin/bash
# A real Slurm test of `qlipx tokenize` (issue #17):
#   tools/test-slurm.sh [QLIPX]          (default: build/bin/qlipx; run as root)
# It installs slurm-wlm + munge when missing, starts munged and a one-node cluster on localhost
# (slurmctld + slurmd, generated slurm.conf in a temp folder: no cgroups, no accounting), makes 64
# test images (48 files + 16 in a WebDataset tar, one unreadable) and then checks that
#  1. a 4-task array job (tools/cluster/tokenize.sbatch) verifies and merges into bytes identical
#     to a single-process `qlipx tokenize` run;
#  2. a task killed mid-run (scancel --signal=KILL) is reported by verify, merge refuses, and
#     resubmitting the array with --resume completes it, again identical to the single run;
#  3. a corrupt shard, a missing shard, a missing input and a missing listed file give clear reports.
# It stays out of .ci/run: it needs root, starts system daemons (munged, slurmctld, slurmd) and
# binds TCP ports, which CI containers do not allow, and it takes about a minute and a half.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
QLIPX=$(readlink -f "${1:-$ROOT/build/bin/qlipx}")
[ -x "$QLIPX" ] || { echo "test-slurm: no qlipx at $QLIPX (build it first)"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "test-slurm: run as root (it starts munged, slurmctld and slurmd)"; exit 2; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge
fi
T=$(mktemp -d /tmp/qlipx-slurm.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
T0=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - T0 )) s)"; }
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; exit 1; }

echo "machine load: $(uptime)"
step "munge + one-node Slurm $(slurmctld -V | awk '{print $2}') in $T"
mkdir -p "$T/munge" "$T/state" "$T/spool"
KEY=/etc/munge/munge.key
if [ ! -s "$KEY" ]; then KEY=$T/munge/munge.key; dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none; chmod 400 "$KEY"; fi
munged --force --socket="$T/munge/munge.socket" --key-file="$KEY" --pid-file="$T/munge/munged.pid" \
       --log-file="$T/munge/munged.log" --seed-file="$T/munge/munged.seed"
for _ in $(seq 50); do [ -s "$T/munge/munged.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$T/munge/munged.pid")")
HOST=$(hostname -s)
PORT=$(( 20000 + RANDOM % 20000 ))
export SLURM_CONF=$T/slurm.conf
cat > "$SLURM_CONF" <<EOF
ClusterName=qlipxtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$PORT
SlurmdPort=$(( PORT + 1 ))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
SchedulerType=sched/builtin
InactiveLimit=0
KillWait=5
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=4 RealMemory=8000 State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" > "$T/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" -N "$HOST" > "$T/slurmd.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  sinfo -h -o %t 2>/dev/null | grep -q idle && break
  sleep 0.2
done
sinfo -h -o "%P %D %t %c CPUs" | grep -q idle || { tail -5 "$T"/slurmctld.log "$T"/slurmd.log; fail "the node did not come up"; }
sinfo -o "%P %D %t %c CPUs"

step "64 test images: 48 files in a folder, 16 in a WebDataset tar, one unreadable"
IN=$T/inputs
/usr/bin/python3 - "$ROOT/resources/samples" "$IN" <<'EOF'
import io, os, random, sys, tarfile
from PIL import Image
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out + "/images/b", exist_ok=True)
rng = random.Random(17)
bases = [Image.open(os.path.join(src, f)).convert("RGB") for f in sorted(os.listdir(src)) if f.endswith(".png")]
def make(i):
    im = rng.choice(bases)
    w, h = im.size
    cw, ch = rng.randint(w // 3, w), rng.randint(h // 3, h)
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    im = im.crop((x, y, x + cw, y + ch)).resize((rng.randint(900, 2000), rng.randint(900, 2000)))
    return im.rotate(90 * rng.randint(0, 3), expand=True)
def encoded(im, fmt):
    b = io.BytesIO(); im.save(b, fmt, quality=90) if fmt == "JPEG" else im.save(b, fmt); return b.getvalue()
for i in range(47):
    fmt = "JPEG" if i % 3 else "PNG"
    sub = "b/" if i % 4 == 0 else ""
    with open(f"{out}/images/{sub}img{i:03d}.{'jpg' if fmt == 'JPEG' else 'png'}", "wb") as f: f.write(encoded(make(i), fmt))
good = encoded(make(99), "JPEG")
with open(f"{out}/images/broken.jpg", "wb") as f: f.write(good[: len(good) // 3])  # the unreadable one
with tarfile.open(f"{out}/part-000.tar", "w", format=tarfile.PAX_FORMAT) as t:
    for i in range(16):
        for name, data in ((f"sample{i:03d}.jpg", encoded(make(100 + i), "JPEG")), (f"sample{i:03d}.txt", f"caption {i}".encode())):
            info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
EOF
echo "$(find "$IN/images" -type f | wc -l) files + $(tar tf "$IN/part-000.tar" | grep -c jpg) tar samples"
INPUTS=("$IN/images" "$IN/part-000.tar")
OPTS=(--threads 1 --workers 1 --batch 4)

step "reference: one process, qlipx tokenize over everything"
"$QLIPX" tokenize "${INPUTS[@]}" -o "$T/single" "${OPTS[@]}" 2>&1 | tail -1
"$QLIPX" tokenize-merge "$T/single" -o "$T/single-merged"
REF=$(sha256sum < "$T/single-merged/tokens.tar" | cut -c1-16)

step "array job: sbatch --array=0-3 tools/cluster/tokenize.sbatch (4 tasks)"
cd "$T"
export QLIPX
JOB=$(sbatch --parsable --wait --array=0-3 --cpus-per-task=1 --mem=1G --output="$T/array-%A_%a.out" \
      "$ROOT/tools/cluster/tokenize.sbatch" "${INPUTS[@]}" -o "$T/array" --num-shards 4 "${OPTS[@]}")
for f in "$T"/array-*.out; do tail -1 "$f"; done
"$QLIPX" tokenize-verify "$T/array" || fail "verify of the array job"
"$QLIPX" tokenize-merge "$T/array" -o "$T/array-merged"
cmp "$T/single-merged/tokens.tar" "$T/array-merged/tokens.tar" && cmp "$T/single-merged/manifest.json" "$T/array-merged/manifest.json" \
  || fail "the merged array result differs from the single-process run"
pass "job $JOB: 4 tasks merged = single-process run, byte for byte (tokens.tar sha256 $REF..., manifest identical)"
echo "failures listed: $(grep -o '"reason":"[^"]*"' "$T/array-merged/manifest.json")"

step "a task killed mid-run"
JOB=$(sbatch --parsable --array=0-3 --cpus-per-task=1 --mem=1G --output="$T/killed-%A_%a.out" \
      "$ROOT/tools/cluster/tokenize.sbatch" "${INPUTS[@]}" -o "$T/killed" --num-shards 4 "${OPTS[@]}")
caught=""
for _ in $(seq 600); do
  if ls "$T"/killed/shard-00002-of-00004.tar.tmp-* >/dev/null 2>&1; then
    scancel --signal=KILL "${JOB}_2" && caught=yes
    break
  fi
  sleep 0.05
done
[ -n "$caught" ] || fail "task 2 finished before it could be killed"
echo "killed task ${JOB}_2 while it was writing $(cd "$T/killed" && ls shard-00002-of-00004.tar.tmp-*)"
while squeue -h -j "$JOB" 2>/dev/null | grep -q .; do sleep 0.5; done
if "$QLIPX" tokenize-verify "$T/killed"; then fail "verify accepted a killed task"; fi
if "$QLIPX" tokenize-merge "$T/killed" -o "$T/killed-merged" 2>"$T/merge.err"; then fail "merge accepted a killed task"; fi
sed 's/^/  /' "$T/merge.err"
[ ! -e "$T/killed-merged/tokens.tar" ] || fail "merge wrote output although verify failed"
pass "verify reports the killed task, merge refuses and writes nothing"
sbatch --parsable --wait --array=0-3 --cpus-per-task=1 --mem=1G --output="$T/resumed-%A_%a.out" \
  "$ROOT/tools/cluster/tokenize.sbatch" "${INPUTS[@]}" -o "$T/killed" --num-shards 4 "${OPTS[@]}" >/dev/null
for f in "$T"/resumed-*.out; do tail -1 "$f"; done
"$QLIPX" tokenize-verify "$T/killed" || fail "verify after resubmitting"
"$QLIPX" tokenize-merge "$T/killed" -o "$T/killed-merged"
cmp "$T/single-merged/tokens.tar" "$T/killed-merged/tokens.tar" || fail "the resumed result differs from the single-process run"
pass "resubmitting the array (--resume) redid only shard 2; merged = single-process run, byte for byte"

step "a corrupt shard, a missing shard"
cp -r "$T/array" "$T/corrupt"
printf 'X' | dd of="$T/corrupt/shard-00001-of-00004.tar" bs=1 seek=700 conv=notrunc status=none
rm "$T/corrupt/shard-00003-of-00004.manifest.json" "$T/corrupt/shard-00003-of-00004.tar"
if "$QLIPX" tokenize-verify "$T/corrupt"; then fail "verify accepted a corrupt shard"; fi
if "$QLIPX" tokenize-merge "$T/corrupt" -o "$T/corrupt-merged" 2>/dev/null; then fail "merge accepted a corrupt shard"; fi
pass "a corrupt and a missing shard are reported; merge refuses"

step "a missing input, a missing file in a list"
if "$QLIPX" tokenize "$IN/images" "$IN/no-such-folder" -o "$T/missing" 2>"$T/missing.err"; then fail "a missing input was accepted"; fi
cat "$T/missing.err"
[ ! -e "$T/missing" ] || fail "a missing input left output behind"
printf '%s\n' "$IN/images/img001.jpg" "gone.png" > "$T/list.txt"
"$QLIPX" tokenize "$T/list.txt" -o "$T/list" "${OPTS[@]}" 2>&1 | tail -1
grep -o '"reason":"[^"]*"' "$T/list/shard-00000-of-00001.manifest.json"
pass "a missing input stops before any output; a missing listed file is a manifest failure"

step "all Slurm checks passed"
