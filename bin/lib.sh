# Shared by bin/ingot, bin/test and lab/: find the JDK, install what is missing. Source it; do not run it.

# Prints the home of a JDK >= 25: $JAVA_HOME if it is one, else the newest under /usr/lib/jvm.
ingot_java_home() {
  local cand v
  for cand in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* 2>/dev/null | sort -r); do
    [ -n "$cand" ] && [ -x "$cand/bin/javac" ] || continue
    v=$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    [ "${v%%.*}" -ge 25 ] 2>/dev/null && { echo "$cand"; return 0; }
  done
  echo "ingot: no JDK 25 found (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
  return 1
}

# Installs the Debian packages named as arguments that are not installed yet (needs root for that).
ingot_apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "ingot: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
  apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# The packages listed one per line (with # comments) in a file.
ingot_packages_in() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1"; }

ingot_env() {
  local root; root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  JAVA_HOME=$(ingot_java_home) || return 1
  export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH" INGOT_ROOT="$root"
  # Maven's bundled Guava warns about sun.misc.Unsafe on JDK 25; the flag exists only on JDK 23+, which we just chose.
  case " ${MAVEN_OPTS:-} " in *unsafe-memory-access*) ;; *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;; esac
  # Jib (mvn -Pimage) would otherwise ask storage.googleapis.com for a newer version of itself on every build.
  case " ${MAVEN_OPTS:-} " in *jib.disableUpdateChecks*) ;; *) export MAVEN_OPTS="$MAVEN_OPTS -Djib.disableUpdateChecks=true" ;; esac
  command -v mvn >/dev/null || ingot_apt_install maven
}
