# shellcheck shell=bash
# Sourced by the scripts: exports JAVA_HOME pointing at a JDK 21 or newer, and checks for Maven.
# The machine's default java may be older (OpenJDK 17 on Debian 12); other JDKs usually sit
# under /usr/lib/jvm.

java_major() {
  # prints the feature version of the java binary given, e.g. 21
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

find_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    local v
    v=$(java_major "$candidate/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(find_jdk); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "perfmetrics: no JDK 21+ found; trying to install one with apt-get" >&2
    apt-get update -qq >/dev/null 2>&1 || true
    for pkg in openjdk-21-jdk-headless openjdk-25-jdk-headless; do
      if apt-get install -y -qq "$pkg" >/dev/null 2>&1; then break; fi
    done
  fi
  JAVA_HOME=$(find_jdk) || {
    echo "perfmetrics: needs a JDK 21 or newer; none found in JAVA_HOME or /usr/lib/jvm. Install one (e.g. Temurin 21) and set JAVA_HOME." >&2
    exit 1
  }
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

if ! command -v mvn >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "perfmetrics: installing Maven with apt-get" >&2
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq maven >/dev/null
  else
    echo "perfmetrics: needs Apache Maven 3.8+ (mvn) to build" >&2
    exit 1
  fi
fi
