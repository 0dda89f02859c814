#!/usr/bin/env bash
# npm run test:kbuild [-- /path/to/linux]: DMA Scope as kbuild's checker, for real.
# Configures a kernel tree out of tree (O=), defconfig plus the AMD 8111 Ethernet driver
# (drivers/net/ethernet/amd/amd8111e.c, which has unchecked dma_map_single() handles),
# runs `make C=2 CHECK="node dist/cli.js kbuild"` on that driver's object, asserts the
# finding appears on the build's output, and prints timings of make with and without the checker.
#
# Kernel tree: first argument, else $KERNEL_SRC, else /work/kernel/6.12 (a 6.12 tree: the expected
# finding is at amd8111e.c:323). Build folder: $KBUILD_OUT, else /tmp/dma-scope-kbuild (reused).
# Needs gcc make flex bison bc libelf-dev libssl-dev (installed with apt-get when missing, as root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="${1:-${KERNEL_SRC:-/work/kernel/6.12}}"
OUT="${KBUILD_OUT:-/tmp/dma-scope-kbuild}"
OBJ=drivers/net/ethernet/amd/amd8111e.o
EXPECT='amd8111e\.c:[0-9]+:[0-9]+: (error|warning|note): The handle returned by dma_map_single\(\) is used without dma_mapping_error\(\).*\[map-error-unchecked\]'
JOBS="$(nproc 2>/dev/null || echo 2)"

if [ ! -f "$SRC/Makefile" ] || [ ! -d "$SRC/include/linux" ] || [ ! -f "$SRC/Kconfig" ]; then
  echo "test-kbuild: no kernel tree at '$SRC' (give one as the first argument or in KERNEL_SRC)" >&2
  exit 2
fi

missing=()
for t in gcc make flex bison bc; do command -v "$t" >/dev/null || missing+=("$t"); done
for p in libelf-dev libssl-dev; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "test-kbuild: missing ${missing[*]}; install them (apt-get install ${missing[*]})" >&2; exit 2; fi
  echo "test-kbuild: installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -f "$ROOT/dist/cli.js" ] || (cd "$ROOT" && npm run build >/dev/null)
CHECKER="node $ROOT/dist/cli.js kbuild"

mkdir -p "$OUT"
if ! grep -q '^CONFIG_AMD8111_ETH=y' "$OUT/.config" 2>/dev/null || [ ! -f "$OUT/include/generated/autoconf.h" ]; then
  echo "test-kbuild: configuring $SRC into $OUT (defconfig + AMD8111_ETH) and make prepare"
  make -s -C "$SRC" O="$OUT" defconfig >/dev/null
  "$SRC/scripts/config" --file "$OUT/.config" -e AMD8111_ETH
  make -s -C "$SRC" O="$OUT" olddefconfig >/dev/null
  make -s -C "$SRC" O="$OUT" -j"$JOBS" prepare >/dev/null
fi
grep -q '^CONFIG_AMD8111_ETH=y' "$OUT/.config" || { echo "test-kbuild: AMD8111_ETH could not be enabled in $OUT/.config" >&2; exit 1; }

# secs OUTFILE cmd…: runs cmd with its output appended to OUTFILE, prints "wall s / cpu s" (cpu: user+sys of
# make and everything it ran, from GNU time when installed; the machine may be shared, so cpu is the steadier figure)
secs() {
  local to="$1" tf; shift
  tf=$(mktemp)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %U %S' -o "$tf" "$@" >>"$to" 2>&1
    awk '{ printf "%6.2f wall %6.2f cpu", $1, $2 + $3 }' "$tf"
  else
    local t0 t1; t0=$(date +%s.%N); "$@" >>"$to" 2>&1; t1=$(date +%s.%N)
    printf '%6.2f wall' "$(echo "$t1 - $t0" | bc)"
  fi
  rm -f "$tf"
}
log="$OUT/dma-scope-kbuild.log"
# the object is built once first so every timing below compares like with like
make -s -C "$SRC" O="$OUT" "$OBJ" >/dev/null 2>&1

# 1. check only (object up to date, C=2 forces the checker): a do-nothing checker vs DMA Scope
: >"$log"
t_true=$(secs /dev/null make -s -C "$SRC" O="$OUT" C=2 CHECK=true "$OBJ")
t_ours=$(secs "$log" make -s -C "$SRC" O="$OUT" C=2 CHECK="$CHECKER" "$OBJ")
# 2. compile plus check: the object rebuilt without and with the checker
rm -f "$OUT/$OBJ"
t_cc=$(secs /dev/null make -s -C "$SRC" O="$OUT" "$OBJ")
rm -f "$OUT/$OBJ"
t_cc_ours=$(secs "$log" make -s -C "$SRC" O="$OUT" C=1 CHECK="$CHECKER" "$OBJ")

echo "--- make C=2 CHECK=\"dma-scope kbuild\" $OBJ said:"
grep -E 'amd8111e\.c|dma-scope' "$log" || true
echo "--- timings in seconds on $OBJ (cpu: make and all it ran):"
echo "  make C=2 CHECK=true (no checker)        $t_true"
echo "  make C=2 CHECK=\"dma-scope kbuild\"       $t_ours"
echo "  make (compile, no checker)              $t_cc"
echo "  make C=1 CHECK=\"dma-scope kbuild\" (compile + check) $t_cc_ours"

n=$(grep -cE "$EXPECT" "$log" || true)
# the log holds two runs (C=2, then C=1 after the rebuild)
if [ "$n" -lt 2 ]; then
  echo "test-kbuild: FAILED: expected the map-error-unchecked finding of amd8111e.c in both runs, found it $n times (log: $log)" >&2
  exit 1
fi
if grep -qE 'dma-scope kbuild: .*(error|cannot|not found)' "$log"; then
  echo "test-kbuild: FAILED: the checker reported a problem of its own (log: $log)" >&2
  exit 1
fi
echo "1 passed, 0 failed"
