# shellcheck shell=bash
# Sourced after jdk.sh: sets $jar to the appliance's jar, building it first when it is missing or
# older than anything it is built from. The build's output goes to stderr, so a command's
# standard output stays its own.
jar="$root/server/target/perfmetrics.jar"
stale=$(find "$root/pom.xml" "$root/server/pom.xml" "$root/server/src/main" "$root/migrations" "$root/templates" \
  -newer "$jar" -print -quit 2>/dev/null || true)
if [ ! -f "$jar" ] || [ -n "$stale" ]; then
  echo "perfmetrics: building (mvn package) ..." >&2
  (cd "$root" && mvn -q -B -ntp -DskipTests package >&2)
fi
