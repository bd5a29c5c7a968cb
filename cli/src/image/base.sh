#!/usr/bin/env bash
# The base image of Ingot's images (docs/install.md#images): a JRE made by jlink from the modules jdeps finds in the
# application jar, the glibc files that JRE links against (copied from this build machine), Netty's epoll library where
# System.loadLibrary finds it (so that nothing is unpacked to /tmp at run time), and files/. Writes DIR/rootfs and
# DIR/base.tar, a one-layer image in `docker save` format that Jib builds on (tar://).
#   usage: base.sh DIR APP_JAR [EXTRA_MODULES]     (JAVA_HOME: the JDK 25 whose jdeps and jlink to use)
set -euo pipefail
dir=$1 jar=$(realpath "$2") extra=${3:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jdk=${JAVA_HOME:?JAVA_HOME must name a JDK 25}
out=$dir/rootfs
rm -rf "$dir"
mkdir -p "$out" "$dir/layout"

modules=$("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 "$jar")
modules=$modules${extra:+,$extra}
echo "base.sh: jlink --add-modules $modules"
# java.desktop is there for java.beans only (SnakeYAML, Jackson, Micrometer): its AWT, font, image and sound libraries
# are never loaded by a headless server, and would need X11 libraries we do not ship.
"$jdk/bin/jlink" --add-modules "$modules" --no-man-pages --no-header-files \
  --exclude-files 'glob:/java.desktop/lib/**' --output "$out/opt/java"

# Netty loads its epoll library from java.library.path (/usr/java/packages/lib on Linux) before it tries to unpack the
# copy in its jar to java.io.tmpdir, which a read-only root file system does not allow.
native=usr/java/packages/lib
mkdir -p "$out/$native"
(cd "$out/$native" && "$jdk/bin/jar" --extract --file "$jar" META-INF/native/libnetty_transport_native_epoll_x86_64.so &&
  mv META-INF/native/libnetty_transport_native_epoll_x86_64.so . && rm -r META-INF)

# Every shared library the JRE and Netty's library need, and the dynamic loader: the only files of the OS in the image.
mapfile -t elves < <(find "$out/opt/java/bin" "$out/opt/java/lib" "$out/$native" -type f \( -name '*.so' -o -perm -u+x \))
libs=$(for f in "${elves[@]}"; do
  # libjvm.so has no run path entry in the other libraries: the launcher has loaded it before them
  ldd "$f" | awk -v f="$f" '/not found/ { if ($1 != "libjvm.so") print "missing " $1 " for " f; next }
                             $2 == "=>" && $3 ~ /^\// { print $3; next }
                             $1 ~ /^\// { print $1 }'
done | sort -u)
if grep '^missing' <<< "$libs"; then exit 1; fi
for lib in $libs; do
  case "$lib" in "$out"/*) continue ;; esac
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done
echo "base.sh: glibc files:" $(grep -v "^$out" <<< "$libs")

cp -R "$here/files/." "$out/"
# /tmp as in any image (Netty warns when java.io.tmpdir does not exist), though nothing writes there: the root file
# system is read-only in the manifests; it is also where an emptyDir would be mounted
mkdir -m 1777 "$out/tmp"

# One layer, reproducible: sorted, owned by root, every file dated 1970-01-01T00:00:01Z as Jib dates its own layers.
tar --create --file "$dir/layout/layer.tar" --directory "$out" --sort=name --format=gnu --mtime=@1 \
  --owner=0 --group=0 --numeric-owner .
diff_id=sha256:$(sha256sum "$dir/layout/layer.tar" | cut -d' ' -f1)
printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{},"rootfs":{"type":"layers","diff_ids":["%s"]}}\n' \
  "$diff_id" > "$dir/layout/config.json"
printf '[{"Config":"config.json","RepoTags":["ingot/base:latest"],"Layers":["layer.tar"]}]\n' > "$dir/layout/manifest.json"
tar --create --file "$dir/base.tar" --directory "$dir/layout" --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner \
  manifest.json config.json layer.tar
rm -r "$dir/layout"
echo "base.sh: $dir/base.tar ($(du -h "$dir/base.tar" | cut -f1)), layer $diff_id"
