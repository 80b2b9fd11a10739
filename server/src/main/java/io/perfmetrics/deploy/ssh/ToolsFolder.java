package io.perfmetrics.deploy.ssh;

import io.perfmetrics.deploy.TransportException;
import io.perfmetrics.deploy.TransportException.Kind;

/**
 * Reaching the tools folder on a Unix host without following anything another local user planted
 * (docs/tools-folders.md). The folder lives under /var/tmp, where every user may create names: a
 * {@code perfmetrics} of someone else's, or a {@code tools} that links elsewhere, would otherwise
 * make the deploy chmod, write and delete wherever the link points, with the deploy user's rights.
 *
 * <p>{@link #FUNCTIONS} is shell text every remote program that touches the folder starts with.
 * {@code pm_enter PATH create|look} walks PATH from / one component at a time: a component that is
 * a symbolic link or not a directory is refused; it is entered with {@code cd -P} and the directory
 * then current must be the same inode that was looked at (nothing swapped in between); it must be
 * owned by the deploy user or root and writable by no one else, except a root-owned sticky
 * directory (like /var/tmp itself) above the last component. {@code create} makes a missing
 * component with {@code mkdir -m 700} and judges whatever is there afterwards (a race another user
 * won is refused like any other planted name). It leaves the shell inside the verified folder, so
 * everything after it uses relative names, in the same remote program. It answers 0 (entered), 2 (a
 * component is missing and {@code look} was asked; the shell is in the last directory it verified,
 * and a {@code create} of the same path later in the program goes on from there) or 1 after
 * printing {@code unsafe=<path>: owner <name> (uid <n>), mode <mode>: <why>}. One {@code ls} per
 * component both checks the directory entered and lists the next one: every fork costs a loaded
 * host a few milliseconds, and a deploy to a fresh host walks the path twice.
 */
final class ToolsFolder {
  private ToolsFolder() {}

  static final String UNSAFE = "unsafe=";

  static final String FUNCTIONS =
      """
      pm_me=
      pm_paused=
      pm_unsafe() {
        pm_why=$1
        # the owner's name only for the message: one ls less on every component that passes
        if [ -n "$pm_look" ]; then set -f; set -- $(ls -ld "$pm_look" 2>/dev/null); set +f; pm_name=${3:-?}; fi
        echo "unsafe=$pm_at: owner $pm_name (uid $pm_uid), mode $pm_mode: $pm_why"
      }
      # the effective uid without a fork where /proc answers (Uid: real effective saved fs)
      pm_whoami() {
        if [ -r /proc/self/status ]; then
          while read -r pm_k pm_r pm_e pm_x; do case $pm_k in Uid:) pm_me=$pm_e; break ;; esac; done </proc/self/status
        fi
        case $pm_me in '' | *[!0-9]*) pm_me=$(id -u) ;; esac
      }
      pm_step() {
        pm_c=$1; pm_final=$2; pm_how=$3; pm_next=$4; pm_at=${pm_at%/}/$pm_c; pm_look=./$pm_c
        if [ ! -e "./$pm_c" ] && [ ! -L "./$pm_c" ]; then
          [ "$pm_how" = create ] || return 2
          # One this mkdir made is this user's, mode 700, in a directory where no one but this user
          # or root can rename it (or root's sticky one): entering it is all there is to check.
          pm_have=
          if mkdir -m 700 "./$pm_c" 2>/dev/null && cd -P "./$pm_c" 2>/dev/null; then
            pm_ino=; pm_mode=drwx------; pm_uid=$pm_me; pm_made=$pm_final; return 0
          fi
        fi
        if [ -n "$pm_have" ]; then
          # listed by the previous step's ls
          pm_ino=$pm_nino; pm_mode=$pm_nmode; pm_uid=$pm_nuid
        else
          # inode, mode, links, uid in one ls
          set -f; set -- $(ls -ldin "./$pm_c" 2>/dev/null); set +f
          pm_ino=${1:-?}; pm_mode=${2:-?}; pm_uid=${4:-?}
        fi
        pm_have=
        case $pm_mode in
          d*) ;;
          l*) pm_unsafe 'a symbolic link'; return 1 ;;
          *) pm_unsafe 'not a directory'; return 1 ;;
        esac
        if ! cd -P "./$pm_c" 2>/dev/null; then pm_unsafe 'cannot be entered'; return 1; fi
        pm_look=.
        # The same ls checks the directory entered and lists the next component: each ls is a fork.
        # In the C locale "." sorts first and its line has 10 fields (the date is three), so the
        # next component's line starts at field 11.
        if [ -n "$pm_next" ] && { [ -e "./$pm_next" ] || [ -L "./$pm_next" ]; }; then
          set -f; set -- $(LC_ALL=C ls -ldin . "./$pm_next" 2>/dev/null); set +f
          if [ $# -ge 14 ]; then pm_have=1; pm_nino=${11}; pm_nmode=${12}; pm_nuid=${14}; fi
        else
          set -f; set -- $(ls -ldin . 2>/dev/null); set +f
        fi
        if [ "$1" != "$pm_ino" ] || [ "$2" != "$pm_mode" ] || [ "$4" != "$pm_uid" ]; then
          pm_unsafe 'changed while it was checked'; return 1
        fi
        if [ "$pm_uid" != "$pm_me" ] && [ "$pm_uid" != 0 ]; then
          pm_unsafe "owned by neither the deploy user (uid $pm_me) nor root"; return 1
        fi
        case $pm_mode in
          ?????w* | ????????w*)
            if [ "$pm_final" = yes ] || [ "$pm_uid" != 0 ]; then pm_unsafe 'writable by other users'; return 1; fi
            case $pm_mode in ?????????[tT]*) ;; *) pm_unsafe 'writable by other users and not sticky'; return 1 ;; esac ;;
        esac
        return 0
      }
      # The usual case in one ls: the deepest directory of the path that exists entered with one
      # cd -P, then it and every directory above it listed at once and judged by pm_step's rules,
      # the directory entered being the one listed last (same inode). Only a path of plain names;
      # anything the rules do not pass at once, or an answer not as expected, returns 3 and the walk
      # (which says why) decides. Sets pm_fp (the directory entered), pm_fm (the names below it
      # that do not exist yet, checked missing rather than unreadable) and, as pm_step does for the
      # directory entered, pm_c, pm_ino, pm_mode and pm_uid.
      pm_fast() {
        pm_fp=$1; pm_fm=; pm_fl=; pm_fn=1
        case $pm_fp in */./* | */. | */../* | */.. | *//* | *[!A-Za-z0-9._/-]*) return 3 ;; esac
        while ! cd -P "$pm_fp" 2>/dev/null; do
          pm_fm=${pm_fp##*/}${pm_fm:+/$pm_fm}; pm_fp=${pm_fp%/*}
          [ -n "$pm_fp" ] || return 3
        done
        if [ -n "$pm_fm" ] && { [ -e "./${pm_fm%%/*}" ] || [ -L "./${pm_fm%%/*}" ]; }; then return 3; fi
        pm_fa=$pm_fp
        while [ -n "$pm_fa" ]; do pm_fl="$pm_fa $pm_fl"; pm_fa=${pm_fa%/*}; pm_fn=$((pm_fn + 1)); done
        # C locale: "." first, then the paths, each after its parent (a prefix sorts first); a
        # directory's line has 10 fields
        set -f; set -- $(LC_ALL=C ls -ldin . $pm_fl 2>/dev/null); set +f
        [ $# = $((pm_fn * 10)) ] && [ "${10}" = . ] || return 3
        pm_fi=$1; pm_fo=$2; pm_fu=$4
        for pm_fa in $pm_fl; do
          shift 10
          [ "${10}" = "$pm_fa" ] || return 3
          case $2 in d*) ;; *) return 3 ;; esac
          [ "$4" = "$pm_me" ] || [ "$4" = 0 ] || return 3
          case $2 in
            ?????w* | ????????w*)
              if [ -z "$pm_fm" ] && [ "$pm_fa" = "$pm_fp" ]; then return 3; fi
              [ "$4" = 0 ] || return 3
              case $2 in ?????????[tT]*) ;; *) return 3 ;; esac ;;
          esac
        done
        [ "$1" = "$pm_fi" ] && [ "$2" = "$pm_fo" ] && [ "$4" = "$pm_fu" ] || return 3
        pm_at=$pm_fp; pm_c=${pm_fp##*/}; pm_ino=$1; pm_mode=$2; pm_uid=$4
        return 0
      }
      pm_enter() {
        pm_path=$1; pm_mk=$2; pm_at=; pm_look=; pm_name=?; pm_uid=?; pm_mode=?; pm_have=; pm_made=
        # once per program; set empty above, so nothing from the environment stands in for it
        [ -n "$pm_me" ] || pm_whoami
        case $pm_path in /*) ;; *) pm_at=$pm_path; pm_unsafe 'not an absolute path'; return 1 ;; esac
        while :; do case $pm_path in */) pm_path=${pm_path%/} ;; *) break ;; esac; done
        if [ "$pm_mk" = create ] && [ -n "$pm_paused" ] && [ "$pm_paused" = "$pm_path" ]; then
          # A look at this path earlier in this program stopped at a missing component. The shell is
          # still in the last directory it verified (the reasoning of a folder it entered: see the
          # deploy program), so the walk goes on from there.
          pm_at=$pm_paused_at; pm_rest=$pm_paused_rest
        elif pm_fast "$pm_path"; then
          pm_paused=
          [ -n "$pm_fm" ] || return 0
          if [ "$pm_mk" != create ]; then
            pm_paused=$pm_path; pm_paused_at=$pm_fp; pm_paused_rest=$pm_fm; return 2
          fi
          pm_rest=$pm_fm
        else
          cd / || return 1
          pm_at=; pm_mode=?; pm_uid=?
          pm_rest=${pm_path#/}
        fi
        pm_paused=
        while [ -n "$pm_rest" ]; do
          pm_part=${pm_rest%%/*}
          case $pm_rest in */*) pm_rest=${pm_rest#*/} ;; *) pm_rest= ;; esac
          case $pm_part in '' | .) continue ;; ..) pm_at=$pm_path; pm_look=; pm_name=?; pm_uid=?; pm_mode=?; pm_unsafe 'has a .. component'; return 1 ;; esac
          if [ -n "$pm_rest" ]; then pm_last=no; else pm_last=yes; fi
          pm_nx=${pm_rest%%/*}
          case $pm_nx in . | ..) pm_nx= ;; esac
          pm_step "$pm_part" "$pm_last" "$pm_mk" "$pm_nx"; pm_r=$?
          if [ $pm_r = 2 ]; then pm_paused=$pm_path; pm_paused_at=${pm_at%/*}; pm_paused_rest=$pm_part${pm_rest:+/$pm_rest}; fi
          [ $pm_r = 0 ] || return $pm_r
        done
        return 0
      }
      """;

  /**
   * The refusal in a remote program's answer as the deploy's failure for this host, or null when
   * there is none.
   */
  static TransportException refusal(String where, String answer) {
    for (String line : answer.split("\n", -1)) {
      if (line.startsWith(UNSAFE)) {
        return new TransportException(
            Kind.REMOTE_ERROR,
            where
                + ": refusing the tools folder "
                + printable(line.substring(UNSAFE.length()).strip())
                + " (another local user could have planted it; see docs/tools-folders.md)",
            null);
      }
    }
    return null;
  }

  /** The host's words go into a job's reason and the console: control characters dropped. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().limit(400).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }
}
