# shellcheck shell=bash
# Sourced after jdk.sh: sets $jar to the appliance's jar, building it first when it is missing or
# older than anything it is built from. The build's output goes to stderr, so a command's
# standard output stays its own.
#
# $jar is a copy of the build's jar named by the build's time and size, never the build's own
# file: Maven rewrites server/target/perfmetrics.jar in place (the jar plugin writes the plain jar
# into it before the shade plugin renames it), and an appliance started from that file loses
# classes the moment anything builds again (a `git pull`, then any script: the CLI rebuilds too).
# A copy no build touches keeps a running appliance whole; a copy no process has open any more is
# removed once a newer one is made.
built="$root/server/target/perfmetrics.jar"
stale=$(find "$root/pom.xml" "$root/server/pom.xml" "$root/server/src/main" "$root/migrations" "$root/templates" \
  -newer "$built" -print -quit 2>/dev/null || true)
if [ ! -f "$built" ] || [ -n "$stale" ]; then
  echo "perfmetrics: building (mvn package) ..." >&2
  (cd "$root" && mvn -q -B -ntp -DskipTests package >&2)
fi
runs="$root/server/target/run"
jar="$runs/perfmetrics-$(stat -c '%Y-%s' "$built").jar"
if [ ! -f "$jar" ]; then
  mkdir -p "$runs"
  if ! { cp "$built" "$jar.$$" && mv -f "$jar.$$" "$jar"; }; then
    rm -f "$jar.$$"
    echo "perfmetrics: could not copy $built to $runs (disk full? permissions?)" >&2
    exit 1
  fi
  # (processes come and go while find walks /proc: its complaints are expected)
  held=$(find /proc/[0-9]*/fd -lname "$runs/*" -printf '%l\n' 2>/dev/null | sort -u || true)
  for old in "$runs"/perfmetrics-*.jar; do
    [ "$old" = "$jar" ] || printf '%s\n' "$held" | grep -qxF -- "$old" || rm -f -- "$old"
  done
fi
