#!/usr/bin/env bash
# Makes the images the cluster runs, as `docker save` archives in the cache, under the names the
# manifests use (no registry is reachable): pause, busybox (Debian's busybox-static), flanneld
# (the pinned build plus the iptables its --ip-masq needs) and multinet (the built application on
# a jlink'ed runtime, with the shim), Multus, OLM and a catalog of multinet's bundle.
# Usage: images/build.sh  (needs build.sh and `make build` first)
#        images/build.sh multinet FILE   only multinet's image, to FILE (`make image`)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
only=${1:-}

IMAGES="$E2E_CACHE/images"
MKIMAGE="$E2E_CACHE/bin/mkimage"
mkdir -p "$IMAGES"
(cd "$E2E_DIR/tools" && go build -trimpath -buildvcs=false -o "$MKIMAGE" ./mkimage)

# A root whose /bin, /sbin and /lib are links into /usr, as on the Debian the binaries come from.
new_root() {
  local r=$1
  rm -rf "$r" && mkdir -p "$r"/usr/{bin,sbin,lib,lib64} "$r"/{etc,tmp,proc,sys,dev,run,var}
  chmod 1777 "$r/tmp"
  ln -s usr/bin "$r/bin" && ln -s usr/sbin "$r/sbin" && ln -s usr/lib "$r/lib" && ln -s usr/lib64 "$r/lib64"
  # runtimes name pod namespaces /var/run/netns/...: the delegator mounts the host's /run/netns
  ln -s ../run "$r/var/run"
  echo "root:x:0:0:root:/root:/bin/sh" > "$r/etc/passwd"
  echo "root:x:0:" > "$r/etc/group"
}

# Copies files of this machine into the root at their own (link-resolved) paths, with every shared
# library they load.
copy_in() {
  local r=$1 f lib; shift
  for f in "$@"; do
    install -D -m 755 "$(readlink -f "$f")" "$r$(readlink -f "$(dirname "$f")")/$(basename "$f")"
    for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do
      [ -e "$r$(readlink -f "$(dirname "$lib")")/$(basename "$lib")" ] && continue
      install -D -m 755 "$(readlink -f "$lib")" "$r$(readlink -f "$(dirname "$lib")")/$(basename "$lib")"
    done
  done
}

# Legacy iptables (the nodes use it too): the multi-call binary, its names and its match modules.
add_iptables() {
  local r=$1 n
  copy_in "$r" /usr/sbin/xtables-legacy-multi /usr/lib/x86_64-linux-gnu/xtables/*.so
  for n in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf xtables-legacy-multi "$r/usr/sbin/$n"
  done
}

add_busybox() {
  local r=$1 a
  install -m 755 /bin/busybox "$r/usr/bin/busybox"
  for a in $(/bin/busybox --list); do
    [ -e "$r/usr/bin/$a" ] || [ -e "$r/usr/sbin/$a" ] || ln -s busybox "$r/usr/bin/$a"
  done
}

image() { # name tag root [mkimage flags...]
  local name=$1 tag=$2 root=$3; shift 3
  "$MKIMAGE" -root "$root" -tag "$tag" -out "$IMAGES/$name.tar" "$@"
  rm -rf "$root"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

key=$( (cat "$0" "$E2E_DIR/images/pause.c"; readlink "$(module_bin flannel)") | sha256sum | cut -c1-12)
if [ "$only" = multinet ]; then
  :
elif [ "$(cat "$IMAGES/base.key" 2>/dev/null)" != "$key" ]; then
  log "images: pause, busybox, flanneld"
  r=$work/pause && mkdir -p "$r"
  gcc -std=c11 -O2 -Wall -Wextra -Werror -static -o "$r/pause" "$E2E_DIR/images/pause.c"
  image pause "$PAUSE_IMAGE" "$r" -entrypoint '["/pause"]'

  r=$work/busybox && new_root "$r" && add_busybox "$r"
  image busybox "$BUSYBOX_IMAGE" "$r" -entrypoint '["/bin/sh"]'

  # kube-flannel's layout: flanneld in /opt/bin, iptables on the PATH.
  r=$work/flannel && new_root "$r" && add_iptables "$r" && add_busybox "$r"
  install -D -m 755 "$(module_bin flannel)/flannel" "$r/opt/bin/flanneld"
  image flannel "$FLANNEL_IMAGE" "$r" -entrypoint '["/opt/bin/flanneld"]'
  echo "$key" > "$IMAGES/base.key"
else
  log "images: pause, busybox, flanneld cached"
fi

# The JRE: only the modules the application uses (jdk.httpserver: the node role's health and metrics
# port), with the JDK's CDS archive (class metadata mapped from a file, as a full JDK has it), once
# per JDK and module list.
java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
jre_modules=java.base,java.compiler,java.instrument,java.logging,java.management,java.naming,java.net.http,java.rmi,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.unsupported,jdk.zipfs,jdk.httpserver
jre="$E2E_CACHE/jre-$(basename "$java_home")-$(echo "$jre_modules cds" | sha256sum | cut -c1-8)"
if [ ! -x "$jre/bin/java" ]; then
  log "images: jlink runtime from $java_home"
  rm -rf "$jre.partial"
  "$java_home/bin/jlink" --add-modules "$jre_modules" \
    --strip-debug --no-header-files --no-man-pages --compress=2 --generate-cds-archive --output "$jre.partial"
  mv "$jre.partial" "$jre"
fi

app="$REPO_DIR/target/quarkus-app"
[ -f "$app/quarkus-run.jar" ] && [ -x "$REPO_DIR/target/multinet" ] || die "build multinet first (make build)"
classlist=$(node_classlist)
log "images: multinet from $app"
r=$work/multinet && new_root "$r" && add_iptables "$r" && add_busybox "$r"
copy_in "$r" /usr/sbin/ip /usr/bin/nsenter
mkdir -p "$r/opt" "$r/deployments"
cp -a "$jre" "$r/opt/jre"
for lib in $(find "$jre" -name '*.so' -exec ldd {} \; 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
  copy_in "$r" "$lib"
done
cp -a "$app" "$r/deployments/quarkus-app"
install -m 755 "$REPO_DIR/target/multinet" "$r/deployments/multinet"
# What the Quarkus base image's run-java script does with the Deployment's environment. The node role
# (MULTINET_ROLE=node: the delegator DaemonSet) is a main class of its own in the same application, on
# the jars a node uses alone (io.multinet.delegator.NodeClasspath, its globs expanded once, here):
# a node loads none of Quarkus.
node_cp=$(java -cp "$app/app/*" io.multinet.delegator.NodeClasspath "$app" /deployments/quarkus-app)
# The node daemon's class data archive (issue 20): the JDK's and the application's classes it loads,
# parsed and laid out once, here, and mapped from the file at every start instead of being built in
# each daemon's metaspace. Dumped with the image's own JVM in the image's root, so its paths are the
# ones the daemon runs with; the jars get the time stamps the image gives every file (mkimage: 0)
# first, as the JVM checks them against the archive's. A daemon whose archive did not match would
# run without one: SeedScenarioE2E checks that the daemons map it.
find "$r/deployments/quarkus-app" -exec touch -h -d @0 {} +
cp "$classlist" "$r/deployments/node.classlist"
# (a /proc of its own for the dump: the loader finds the JRE's libraries through /proc/self/exe)
unshare --mount --pid --fork --mount-proc="$r/proc" chroot "$r" /opt/jre/bin/java -Xshare:dump -XX:SharedClassListFile=/deployments/node.classlist -XX:SharedArchiveFile=/deployments/node.jsa \
  -cp "$node_cp" > "$work/cds.log" 2>&1 || { cat "$work/cds.log" >&2; die "the node's class data archive could not be dumped"; }
rm "$r/deployments/node.classlist"
cat > "$r/deployments/run-java.sh" <<EOF
#!/bin/sh
if [ "\$MULTINET_ROLE" = node ]; then
  exec /opt/jre/bin/java -XX:SharedArchiveFile=/deployments/node.jsa \$JAVA_OPTS \$JAVA_OPTS_APPEND -cp '$node_cp' io.multinet.delegator.NodeDaemon "\$@"
fi
exec /opt/jre/bin/java \$JAVA_OPTS \$JAVA_OPTS_APPEND -jar /deployments/quarkus-app/quarkus-run.jar "\$@"
EOF
chmod 755 "$r/deployments/run-java.sh"
image multinet "$MULTINET_IMAGE" "$r" -entrypoint '["/deployments/run-java.sh"]' -workdir /deployments
if [ "$only" = multinet ] && [ -n "${2:-}" ]; then
  cp "$IMAGES/multinet.tar" "$2"
  log "image: $2 ($MULTINET_IMAGE, a docker-archive)"
fi
[ "$only" != multinet ] || exit 0

# Multus v4.3 as its own images lay it out (images/Dockerfile and Dockerfile.thick): every binary in
# /usr/src/multus-cni/bin, the thin image's entry points also at /; under the tags its deployments/
# manifests name, so those manifests run here as they are (MultusCompatE2E, bench/multus-real).
MULTUS_BIN=$(module_bin multus)
key=$( (cat "$0"; readlink "$MULTUS_BIN") | sha256sum | cut -c1-12)
if [ "$(cat "$IMAGES/multus.key" 2>/dev/null)" != "$key" ]; then
  log "images: multus (thick and thin)"
  r=$work/multus && new_root "$r" && add_busybox "$r"
  for b in multus multus-daemon multus-shim install_multus thin_entrypoint; do
    install -D -m 755 "$MULTUS_BIN/$b" "$r/usr/src/multus-cni/bin/$b"
  done
  install -m 755 "$MULTUS_BIN/passthru-cni" "$r/usr/src/multus-cni/bin/passthru"
  ln -s usr/src/multus-cni/bin/install_multus "$r/install_multus"
  ln -s usr/src/multus-cni/bin/thin_entrypoint "$r/thin_entrypoint"
  image multus "$MULTUS_THICK_IMAGE,$MULTUS_THIN_IMAGE" "$r" -entrypoint '["/usr/src/multus-cni/bin/multus-daemon"]'
  echo "$key" > "$IMAGES/multus.key"
fi

# OLM v0 in one image, as OLM's own: the olm and catalog operators, and opm and cpb for the unpack Job.
OLM_BIN=$(module_bin olm)
key=$( (cat "$0"; readlink "$OLM_BIN") | sha256sum | cut -c1-12)
if [ "$(cat "$IMAGES/olm.key" 2>/dev/null)" != "$key" ]; then
  log "images: olm"
  r=$work/olm && new_root "$r" && add_busybox "$r"
  for b in olm catalog cpb opm; do install -m 755 "$OLM_BIN/$b" "$r/usr/bin/$b"; done
  image olm "$OLM_IMAGE" "$r" -entrypoint '["/usr/bin/olm"]'
  echo "$key" > "$IMAGES/olm.key"
fi

# The catalog: opm's file-based catalog of olm-bundle/ (0.1.0) and of the same bundle as 0.1.1, which
# replaces 0.1.0 and differs in one pod-template annotation (an upgrade OLM must roll out), rendered
# and validated by opm, served by `opm serve` as a catalog image is; grpc_health_probe for OLM's probes.
log "images: catalog of olm-bundle/ (multinet 0.1.0 and 0.1.1)"
b=$work/bundle-0.1.1 && cp -r "$REPO_DIR/olm-bundle" "$b"
csv=$b/manifests/multinet.clusterserviceversion.yaml
sed -i -e 's/^  name: multinet\.v0\.1\.0$/  name: multinet.v0.1.1/' -e 's/^  replaces: ""$/  replaces: multinet.v0.1.0/' \
  -e 's/^  version: 0\.1\.0$/  version: 0.1.1/' \
  -e 's|^\(                \)app.quarkus.io/quarkus-version: \(.*\)$|&\n\1multinet.io/bundle-version: 0.1.1|' "$csv"
for want in '  name: multinet.v0.1.1' '  replaces: multinet.v0.1.0' '  version: 0.1.1' 'multinet.io/bundle-version: 0.1.1'; do
  grep -qF -- "$want" "$csv" || die "catalog: the 0.1.1 bundle lacks '$want' (olm-bundle/'s CSV changed shape)"
done
r=$work/catalog && new_root "$r" && mkdir -p "$r/configs/multinet"
install -m 755 "$OLM_BIN/opm" "$r/usr/bin/opm"
install -m 755 "$OLM_BIN/grpc-health-probe" "$r/usr/bin/grpc_health_probe"
{
  printf -- '---\nschema: olm.package\nname: multinet\ndefaultChannel: candidate\n'
  printf -- '---\nschema: olm.channel\npackage: multinet\nname: candidate\nentries:\n- name: multinet.v0.1.0\n- name: multinet.v0.1.1\n  replaces: multinet.v0.1.0\n'
  "$OLM_BIN/opm" render "$REPO_DIR/olm-bundle" -o yaml
  "$OLM_BIN/opm" render "$b" -o yaml
} > "$r/configs/multinet/catalog.yaml"
"$OLM_BIN/opm" validate "$r/configs"
# the serving cache is built into the image, as catalog images do: opm serve checks it at start
"$OLM_BIN/opm" serve "$r/configs" --cache-dir="$r/tmp/cache" --cache-only
image catalog "$CATALOG_IMAGE" "$r" -entrypoint '["/usr/bin/opm","serve","/configs","--cache-dir=/tmp/cache"]'
