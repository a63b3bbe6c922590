#!/usr/bin/env bash
# Builds the test ground's binaries from the pinned Go modules in modules/*/go.mod into the
# per-machine cache (lib.sh: E2E_CACHE), each module keyed by its pins: a warm cache builds nothing.
# Usage: build.sh [module ...]   (default: all of them)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Version stamps as Kubernetes' own release build sets them: kubectl, kubelet and the API server
# report v1.34.4 instead of v0.0.0, so version-skew checks behave as on a released cluster.
K8S_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/component-base/version.gitTreeState=clean"

# The tools a module builds: the `tool` lines of its go.mod (one line or a block).
module_tools() {
  awk '/^tool \(/ { block = 1; next } block && /^\)/ { block = 0 } block { print $1 } /^tool [^(]/ { print $2 }' \
    "$E2E_DIR/modules/$1/go.mod"
}

build_module() {
  local m=$1 out tmp tools ldflags=("-s -w") env=(CGO_ENABLED=0) start n key
  mapfile -t tools < <(module_tools "$m")
  # Kubernetes keeps cgo (kubelet's cAdvisor); everything that goes into an image is static, and
  # flanneld's udp backend is C, so it is linked statically as flannel's own release build does.
  local tags=""
  case $m in
    kubernetes) ldflags=("$K8S_LDFLAGS"); env=() ;;
    flannel) ldflags=("-s -w -extldflags -static"); env=(CGO_ENABLED=1) ;;
    # opm's own release tag: signature checks in pure Go instead of cgo's gpgme
    olm) tags=containers_image_openpgp ;;
  esac
  key=$( (cat "$E2E_DIR/modules/$m/go.mod" "$E2E_DIR/modules/$m/go.sum"; go version; echo "${env[*]} ${ldflags[0]}${tags:+ $tags}") | sha256sum | cut -c1-12)
  out=$E2E_CACHE/bin/$m-$key
  if [ -f "$out/.complete" ]; then
    ln -sfn "$(basename "$out")" "$E2E_CACHE/bin/$m"
    log "$m: cached in $out"
    return
  fi
  tmp="$out.partial"
  rm -rf "$tmp" && mkdir -p "$tmp"
  log "$m: building ${#tools[@]} binaries (${tools[*]##*/}) into $out; a cold build takes minutes"
  start=$(date +%s)
  # -v names each package as it is compiled: a line every 100 keeps a long cold build visibly alive.
  # a package path is one word; anything else (errors, warnings) is shown
  (cd "$E2E_DIR/modules/$m" && env "${env[@]}" go build -v -trimpath -buildvcs=false -tags "$tags" -ldflags "${ldflags[0]}" -o "$tmp/" "${tools[@]}") 2>&1 |
    awk -v m="$m" '/statically linked applications/ { next } /^#|[ :]/ { print; next } { n++ } n % 100 == 0 && n { printf "  %s: %d packages compiled\n", m, n; fflush() }' ||
    die "$m: build failed"
  n=$(ls "$tmp" | wc -l)
  [ "$n" -eq "${#tools[@]}" ] || die "$m: expected ${#tools[@]} binaries, got $n"
  rm -rf "$out" && mv "$tmp" "$out" && touch "$out/.complete"
  ln -sfn "$(basename "$out")" "$E2E_CACHE/bin/$m"
  log "$m: done in $(( $(date +%s) - start ))s"
  # Older builds of this module are kept by nobody: drop them so the cache holds one per pin.
  find "$E2E_CACHE/bin" -maxdepth 1 -name "$m-*" ! -path "$out" -exec rm -rf {} +
}

mkdir -p "$E2E_CACHE/bin"
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=(kubernetes flannel cni-flannel cri-tools multus olm)
for m in "${modules[@]}"; do build_module "$m"; done
