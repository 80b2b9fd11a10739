#!/bin/sh
# perfmetrics collector, POSIX sh edition.
#
# Deployed by the perfmetrics appliance over SSH and started with
#   nohup setsid sh collector.sh >/dev/null 2>&1 &
# It samples /proc every PM_INTERVAL_S seconds into a local spool and POSTs the
# spool to the appliance every PM_UPLOAD_S seconds.  It stops by itself after
# PM_TTL_S seconds or when the appliance answers 410.  Every PM_SOCKETS_S
# seconds it also takes a snapshot of the host's sockets (/proc/net) into a
# second spool, uploaded the same way.  See
# templates/README-collector-sh.md for the host-side contract.
#
# Must stay POSIX: it runs under dash, bash and busybox ash, and is checked
# with `shellcheck -s sh`.

# ============================================================================
# Parameters
# ============================================================================
# The appliance replaces every placeholder below with a single-quoted shell
# word, so a value can never be expanded or executed by this script.  The
# directive below only matters for the unrendered template, whose
# placeholders would otherwise be reported as stray braces.
# shellcheck disable=SC1083
{
# ---- BEGIN RENDERED PARAMETERS (replaced at deploy; each value is a quoted shell word) ----
PM_URL={{URL}}
PM_TOKEN={{TOKEN}}
PM_INTERVAL_S={{INTERVAL_S}}
PM_UPLOAD_S={{UPLOAD_S}}
PM_TTL_S={{TTL_S}}
PM_SPOOL_MAX_BYTES={{SPOOL_MAX_BYTES}}
PM_METADATA_URL={{METADATA_URL}}
PM_TOOLS_DIR={{TOOLS_DIR}}
PM_SOCKETS_S={{SOCKETS_S}}
PM_SOCKETS_MAX_ROWS={{SOCKETS_MAX_ROWS}}
PM_CA_PEM={{CA_PEM}}
# ---- END RENDERED PARAMETERS ----
}

PM_VERSION=1
# The receiver rejects bodies over 1 MiB; stay well below it.
PM_CHUNK_MAX_BYTES=921600
# Upper bound for the upload back-off after failures.
PM_BACKOFF_MAX_S=1800
# The log is rotated once (to collector.log.1) when it grows past this.
PM_LOG_MAX_BYTES=1048576
# A cloud identity document larger than this is not embedded in the hello.
PM_CLOUD_DOC_MAX_BYTES=262144
# Per-disk and per-filesystem series are capped per host (the totals are
# not): every name is a metric the appliance keeps fleet-wide.
PM_DEVICES_MAX=64
PM_VOLUMES_MAX=64

# Byte semantics for ${#var}, awk length() and character classes: the spool
# size bookkeeping counts bytes.
LC_ALL=C
export LC_ALL
NL='
'
# Every file written holds or derives from the bearer token or host data.
umask 077
: "${PATH:=/usr/local/bin:/usr/bin:/bin}"

# ============================================================================
# Functions
# ============================================================================

# ---- small helpers ---------------------------------------------------------

log() {
    printf '%s [%s] %s\n' "${NOW:-0}" "$$" "$*"
}

# Sets N to $1 without leading zeros; fails unless $1 is a plain unsigned
# integer.  Leading zeros would make $(( )) read the value as octal.
to_int() {
    N=$1
    case $N in
        '' | *[!0-9]*) return 1 ;;
    esac
    [ "${#N}" -le 15 ] || return 1
    while :; do
        case $N in
            0?*) N=${N#0} ;;
            *) break ;;
        esac
    done
}

# Formats a value scaled by 100 as a decimal with two places (sets F).
# Integer arithmetic only: no awk/bc fork per metric.
fmt2() {
    f2_v=$1
    f2_sign=
    if [ "$f2_v" -lt 0 ]; then
        f2_sign=-
        f2_v=$((-f2_v))
    fi
    f2_frac=$((f2_v % 100))
    [ "$f2_frac" -lt 10 ] && f2_frac=0$f2_frac
    F=$f2_sign$((f2_v / 100)).$f2_frac
}

# Sets J to a JSON string literal for $1, or to null when $1 is empty.
# Host-provided text (hostname, CPU model, os-release) may contain anything.
json_str() {
    if [ -z "$1" ]; then
        J=null
        return 0
    fi
    js_in=$1
    case $js_in in
        *[\\\"[:cntrl:]]*) ;;
        *)
            J="\"$js_in\""
            return 0
            ;;
    esac
    js_out=
    while [ -n "$js_in" ]; do
        js_rest=${js_in#?}
        js_c=${js_in%"$js_rest"}
        js_in=$js_rest
        case $js_c in
            \\) js_out="$js_out\\\\" ;;
            \") js_out="$js_out\\\"" ;;
            [[:cntrl:]]) js_out="$js_out$(printf '\\u%04x' "'$js_c")" ;;
            *) js_out=$js_out$js_c ;;
        esac
    done
    J="\"$js_out\""
}

# Strips leading and trailing white space from $1 (sets T).
trim() {
    T=$1
    T=${T#"${T%%[![:space:]]*}"}
    T=${T%"${T##*[![:space:]]}"}
}

# Runs "$@" under `timeout $1` when available.  busybox wget has no usable
# timeout option of its own (and -T crashes some builds).
with_timeout() {
    if [ -n "$HAVE_TIMEOUT" ]; then
        timeout "$@"
    else
        shift
        "$@"
    fi
}

# Prints the size of file $1 in bytes (sets N; 0 when missing).
file_size() {
    N=0
    [ -f "$1" ] || return 0
    fs_sz=$(wc -c 2>/dev/null <"$1")
    fs_sz=${fs_sz##*[!0-9]}
    to_int "$fs_sz" || N=0
}

# ---- clock -----------------------------------------------------------------
# Wall time is derived from /proc/uptime plus one `date +%s` anchor so that a
# sample costs no `date` fork.  The anchor is re-checked at every upload cycle
# so a stepped system clock is followed within one upload period; not at the
# first, which comes right after the start's anchor (a fork less per start).

read_uptime_cs() {
    UP_CS=
    [ -n "$HAVE_UPTIME" ] || return 1
    read -r ru_up _ </proc/uptime || return 1
    ru_i=${ru_up%.*}
    ru_f=${ru_up#*.}
    [ "$ru_f" = "$ru_up" ] && ru_f=00
    ru_f=${ru_f#0}
    case $ru_i$ru_f in
        '' | *[!0-9]*) return 1 ;;
    esac
    UP_CS=$((ru_i * 100 + ru_f))
}

anchor_clock() {
    ac_now=$(date +%s)
    if ! to_int "$ac_now"; then
        log "date +%s failed; cannot keep time"
        exit 1
    fi
    EPOCH0=$N
    if read_uptime_cs; then
        UP0_CS=$UP_CS
    else
        HAVE_UPTIME=
    fi
    NOW=$EPOCH0
}

# Sets NOW (epoch seconds) and UP_CS (monotonic centiseconds).
clock() {
    if [ -n "$HAVE_UPTIME" ] && read_uptime_cs; then
        NOW=$((EPOCH0 + (UP_CS - UP0_CS) / 100))
    else
        anchor_clock
        UP_CS=$((NOW * 100))
    fi
}

# Follows a stepped wall clock (NTP step, manual change); called per upload.
recheck_clock() {
    [ -n "$HAVE_UPTIME" ] || return 0
    if [ -n "$ANCHORED_AT_START" ]; then
        ANCHORED_AT_START=
        return 0
    fi
    clock
    rc_wall=$(date +%s)
    to_int "$rc_wall" || return 0
    rc_diff=$((N - NOW))
    if [ "$rc_diff" -gt 2 ] || [ "$rc_diff" -lt -2 ]; then
        log "wall clock moved by ${rc_diff}s; re-anchoring"
        anchor_clock
    fi
}

# ---- single instance, state, cleanup ---------------------------------------

# True when pid $1 is alive and is a perfmetrics collector (not a recycled PID).
is_collector_pid() {
    to_int "$1" || return 1
    [ "$N" != "$$" ] || return 1
    [ -r "/proc/$N/cmdline" ] || return 1
    # The shells' read drops the NUL separators ("shcollector.sh"), which is
    # good enough for a substring test; busybox grep -F stops at the NULs.
    ic_cmd=
    IFS= read -r ic_cmd 2>/dev/null <"/proc/$N/cmdline"
    case $ic_cmd in
        *collector.sh*) return 0 ;;
    esac
    return 1
}

acquire_pidfile() {
    ap_try=0
    while [ "$ap_try" -lt 3 ]; do
        ap_try=$((ap_try + 1))
        # noclobber makes the create atomic (O_EXCL) against a racing start.
        set -C
        if { printf '%s\n' "$$" >"$PIDFILE"; } 2>/dev/null; then
            set +C
            # The deploy holds the other end of fd 3 and reads until it closes: the pidfile is
            # there now, so it can look (no polling on the host). Closing a closed fd is no error.
            exec 3>&-
            return 0
        fi
        set +C
        ap_other=
        read -r ap_other 2>/dev/null <"$PIDFILE"
        if is_collector_pid "$ap_other"; then
            log "another collector is running (pid $ap_other); exiting"
            exit 0
        fi
        log "removing stale pidfile (pid ${ap_other:-none})"
        rm -f "$PIDFILE"
    done
    log "cannot create $PIDFILE; exiting"
    exit 1
}

load_previous_state() {
    [ -r "$STATE" ] || return 0
    while IFS='=' read -r lp_k lp_v; do
        case $lp_k in
            spool_dropped_lines) to_int "$lp_v" && DROPPED=$N ;;
            sockets_dropped_lines) to_int "$lp_v" && SOCK_DROPPED=$N ;;
        esac
    done <"$STATE"
}

# Status for readers over SSH: simple key=value lines, replaced atomically.
write_state() {
    {
        printf 'status=%s\n' "$1"
        printf 'stop_reason=%s\n' "$STOP_REASON"
        printf 'pid=%s\n' "$$"
        printf 'version=%s\n' "$PM_VERSION"
        printf 'kind=sh\n'
        printf 'started_at=%s\n' "$STARTED_AT"
        printf 'expires_at=%s\n' "$EXPIRES_AT"
        printf 'interval_s=%s\n' "$PM_INTERVAL_S"
        printf 'upload_s=%s\n' "$PM_UPLOAD_S"
        printf 'upload_period_s=%s\n' "$UPLOAD_PERIOD"
        printf 'http_client=%s\n' "$HTTP_CLIENT"
        printf 'tls=%s\n' "$TLS_MODE"
        printf 'tls_error=%s\n' "$TLS_ERROR"
        printf 'hello_ok=%s\n' "$HELLO_OK"
        printf 'samples=%s\n' "$SAMPLES"
        printf 'last_sample_at=%s\n' "$LAST_TS"
        printf 'last_upload_at=%s\n' "$LAST_UPLOAD_AT"
        printf 'last_upload_status=%s\n' "$LAST_UPLOAD_STATUS"
        printf 'last_upload_ok_at=%s\n' "$LAST_UPLOAD_OK_AT"
        printf 'spool_bytes=%s\n' "$SPOOL_BYTES"
        printf 'spool_dropped_lines=%s\n' "$DROPPED"
        printf 'rejected_lines=%s\n' "$REJECTED_LINES"
        printf 'sockets_s=%s\n' "$PM_SOCKETS_S"
        printf 'snapshots=%s\n' "$SNAPSHOTS"
        printf 'last_snapshot_at=%s\n' "$LAST_SNAP_TS"
        printf 'last_snapshot_dropped_rows=%s\n' "$LAST_SNAP_DROPPED"
        printf 'sockets_spool_bytes=%s\n' "$SOCK_BYTES"
        printf 'sockets_dropped_lines=%s\n' "$SOCK_DROPPED"
        printf 'updated_at=%s\n' "$NOW"
    } >"$STATE.tmp" && mv -f "$STATE.tmp" "$STATE"
}

on_exit() {
    trap - EXIT
    [ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
    [ -n "$STOP_REASON" ] || STOP_REASON=error
    log "stopping: $STOP_REASON"
    write_state stopped
    rm -f "$AUTH_FILE" "$RESP_FILE" "$ERR_FILE" "$CHUNK_FILE" "$SOCK_CHUNK_FILE" "$STATS_FILE" "$DF_FILE" \
        "$CLOUD_FILE" "$SPOOL.tmp" "$SOCK_SPOOL.tmp"
    oe_pid=
    read -r oe_pid 2>/dev/null <"$PIDFILE"
    [ "$oe_pid" = "$$" ] && rm -f "$PIDFILE"
}

on_signal() {
    STOP_REASON=signal
    exit "$1"
}

# ---- HTTP ------------------------------------------------------------------
# Client preference: curl, GNU wget, busybox wget.  The bearer token never
# appears on a command line for curl (-K config file) or GNU wget (WGETRC);
# busybox wget can only take it as --header argument.

detect_http_client() {
    HTTP_CLIENT=none
    HAVE_TIMEOUT=
    command -v timeout >/dev/null 2>&1 && HAVE_TIMEOUT=1
    if command -v curl >/dev/null 2>&1; then
        HTTP_CLIENT=curl
    elif command -v wget >/dev/null 2>&1; then
        if wget --version >/dev/null 2>&1; then
            HTTP_CLIENT=wget
        else
            HTTP_CLIENT=busybox-wget
        fi
    fi
    [ "$HTTP_CLIENT" = none ] && log "no usable HTTP client (curl or wget); sampling to spool only"
    log "http client: $HTTP_CLIENT"
}

# ---- TLS --------------------------------------------------------------------
# Over https the appliance's own CA (rendered into PM_CA_PEM, written to
# ca.pem) is the only trust: a TLS-inspection CA in the host's store must not
# be able to read the token.  `--cacert` alone is not enough: curl keeps its
# built-in CApath (/etc/ssl/certs on Debian) and GNU wget on GnuTLS adds the
# system store to --ca-certificate; both are pointed at an empty directory of
# ours instead.  A client that cannot verify (busybox wget) sends nothing:
# the spool is kept and TLS_ERROR says why (state file, hence the target's
# status).  Never plain http, never skipped verification.
setup_tls() {
    TLS_MODE=off
    TLS_ERROR=
    TLS_FAIL=
    case $PM_URL in
        https:*) ;;
        *) return 0 ;;
    esac
    TLS_MODE=blocked
    case $HTTP_CLIENT in
        none) return 0 ;;
        busybox-wget)
            TLS_ERROR="busybox wget cannot verify TLS certificates; install curl or GNU wget"
            ;;
    esac
    if [ -z "$PM_CA_PEM" ]; then
        TLS_ERROR="no CA certificate was rendered for the https appliance; redeploy"
    fi
    # Rewritten at every start: a redeploy after the appliance's certificate
    # changed brings the new CA, and an empty CA dir stays empty.  Written in
    # place (the builtin printf, no mv to fork): nothing reads it before this
    # collector's first request, and a short write is an error below.
    if [ -e "$CA_DIR" ] || [ -L "$CA_DIR" ] || [ -e "$CA_FILE.tmp" ] || [ -L "$CA_FILE.tmp" ]; then
        rm -rf "$CA_DIR" "$CA_FILE.tmp"
    fi
    if ! mkdir "$CA_DIR" || ! printf '%s\n' "$PM_CA_PEM" >"$CA_FILE"; then
        TLS_ERROR="cannot write $CA_FILE"
    fi
    if [ -n "$TLS_ERROR" ]; then
        log "TLS: uploads blocked: $TLS_ERROR; keeping the spool"
        return 0
    fi
    TLS_MODE=verified
    log "TLS: trusting only $CA_FILE"
}

# After an attempt: did the client fail to verify the appliance (or to set up
# TLS)?  curl exits 35 (handshake), 51 (peer verification), 58/77 (local
# certificate or CA file), 60 (certificate), 83 (issuer), 90 (pinned key);
# GNU wget exits 5.  Sets TLS_FAIL to the client's reason.
tls_check() { # tls_check EXIT_STATUS
    TLS_FAIL=
    case $HTTP_CLIENT/$1 in
        curl/35 | curl/51 | curl/58 | curl/60 | curl/77 | curl/83 | curl/90 | wget/5) ;;
        *) return 0 ;;
    esac
    TLS_FAIL="exit $1"
    tc_line=
    # the first line that says something about it ("curl: (60) ...", wget's
    # "ERROR: cannot verify ...")
    [ -r "$ERR_FILE" ] && while IFS= read -r tc_line || [ -n "$tc_line" ]; do
        case $tc_line in
            *[Cc]ertificate* | *SSL* | *TLS* | *[Vv]erif* | *issuer* | *curl:*)
                TLS_FAIL="exit $1: $tc_line"
                break
                ;;
        esac
    done <"$ERR_FILE"
    # one line, no control characters: it goes to the state file
    TLS_FAIL=$(printf '%s' "$TLS_FAIL" | tr -d '\000-\037' | cut -c1-300)
    log "TLS verification failed ($TLS_FAIL); no token sent, keeping the spool"
}

write_auth_file() {
    # a fresh file with this umask, never one left behind (a fork only when there is one)
    if [ -e "$AUTH_FILE" ] || [ -L "$AUTH_FILE" ]; then
        rm -f "$AUTH_FILE"
    fi
    case $HTTP_CLIENT in
        curl)
            # curl config syntax: a double-quoted value with \\ and \" escapes,
            # which is what json_str produces for a string without controls.
            json_str "Authorization: Bearer $PM_TOKEN"
            printf 'header = %s\n' "$J" >"$AUTH_FILE"
            ;;
        wget)
            printf 'header = Authorization: Bearer %s\n' "$PM_TOKEN" >"$AUTH_FILE"
            ;;
    esac
}

# Reads the status of the last response from a `wget -S` transcript.
parse_wget_status() {
    HTTP_CODE=000
    [ -r "$RESP_FILE" ] || return 0
    while read -r pw_a pw_b pw_rest; do
        case $pw_a in
            HTTP/*) HTTP_CODE=$pw_b ;;
            wget:) [ -n "$1" ] && log "wget: $pw_b $pw_rest" ;;
        esac
    done <"$RESP_FILE"
}

check_code() {
    case $HTTP_CODE in
        [0-9][0-9][0-9]) ;;
        *) HTTP_CODE=000 ;;
    esac
}

# POSTs file $3 with content type $2 to URL $1.  Sets HTTP_CODE (000 = no
# HTTP answer at all).
http_post() {
    HTTP_CODE=000
    TLS_FAIL=
    case $TLS_MODE in
        verified | off) ;;
        *) return 0 ;;
    esac
    case $TLS_MODE/$1 in
        off/https:* | verified/http:*) return 0 ;;
    esac
    case $HTTP_CLIENT in
        curl)
            # one request: the batch's code, without --next
            http_post_batch "$1" "$2" "$3"
            ;;
        wget)
            # The token is in WGETRC, read before the connection: wget only
            # sends it once the certificate checked out.
            if [ "$TLS_MODE" = verified ]; then
                WGETRC=$AUTH_FILE wget -q -S -O /dev/null -T 30 -t 1 --max-redirect=0 \
                    --ca-certificate="$CA_FILE" --ca-directory="$CA_DIR" \
                    --header="Content-Type: $2" --post-file="$3" "$1" 2>"$RESP_FILE"
            else
                WGETRC=$AUTH_FILE wget -q -S -O /dev/null -T 30 -t 1 --max-redirect=0 \
                    --header="Content-Type: $2" --post-file="$3" "$1" 2>"$RESP_FILE"
            fi
            hp_rc=$?
            parse_wget_status log
            cp "$RESP_FILE" "$ERR_FILE" 2>/dev/null
            tls_check "$hp_rc"
            ;;
        busybox-wget)
            with_timeout 60 wget -q -S -O /dev/null \
                --header "Authorization: Bearer $PM_TOKEN" \
                --header "Content-Type: $2" --post-file "$3" "$1" 2>"$RESP_FILE"
            parse_wget_status log
            ;;
    esac
    check_code
    if [ -n "$TLS_FAIL" ]; then
        TLS_ERROR="verification failed: $TLS_FAIL"
    elif [ "$TLS_MODE" = verified ] && [ "$HTTP_CODE" != 000 ]; then
        TLS_ERROR=
    fi
}

# POSTs one file, or several in one curl run: $@ = URL TYPE FILE, up to three
# times (http_post's curl path is the one-request case).
# `--next` keeps the connection (and its TLS session) for the next request, so
# a cycle costs one client start and one handshake, on the host and on the
# appliance, instead of one per request.  Sets BC_1..BC_3 (000 = no HTTP
# answer).  Returns 1 when this curl has no --next (before 7.36): nothing was
# sent, and CURL_NEXT=no sends one request per run from then on.
http_post_batch() {
    BC_1=000
    BC_2=000
    BC_3=000
    HTTP_CODE=000
    TLS_FAIL=
    case $TLS_MODE/$PM_URL in
        verified/https:* | off/http:*) ;;
        *) return 0 ;;
    esac
    hb_n=$(($# / 3))
    hb_i=0
    # Each triple is shifted off the front while its options go to the end.
    while [ "$hb_i" -lt "$hb_n" ]; do
        hb_u=$1 hb_t=$2 hb_f=$3
        shift 3
        [ "$hb_i" -gt 0 ] && set -- "$@" --next
        # Every option again after --next: it starts a request with none.
        # Over https the CA options come first and nothing after them can
        # relax verification; CURL_CA_BUNDLE/SSL_CERT_* only apply when no
        # --cacert/--capath is given.
        if [ "$TLS_MODE" = verified ]; then
            set -- "$@" --cacert "$CA_FILE" --capath "$CA_DIR" --proto =https
        fi
        set -- "$@" -sS --connect-timeout 10 --max-time 30 -K "$AUTH_FILE" \
            -H "Content-Type: $hb_t" --data-binary "@$hb_f" -o /dev/null -w '%{http_code}\n' "$hb_u"
        hb_i=$((hb_i + 1))
    done
    # -q first: a ~/.curlrc must not change TLS verification or headers.
    hb_out=$(curl -q "$@" 2>"$ERR_FILE")
    hb_rc=$?
    hb_line=
    [ -s "$ERR_FILE" ] && IFS= read -r hb_line <"$ERR_FILE"
    if [ "$hb_rc" = 2 ] && [ -z "$hb_out" ] && [ "$hb_n" -gt 1 ]; then
        CURL_NEXT=no
        log "curl cannot send several requests in one run ($hb_line); one request per run from now on"
        return 1
    fi
    [ -n "$hb_line" ] && log "$hb_line"
    hb_i=0
    hb_any=
    for hb_c in $hb_out; do
        hb_i=$((hb_i + 1))
        case $hb_c in
            [0-9][0-9][0-9]) ;;
            *) hb_c=000 ;;
        esac
        [ "$hb_c" != 000 ] && hb_any=1
        case $hb_i in
            1) BC_1=$hb_c ;;
            2) BC_2=$hb_c ;;
            3) BC_3=$hb_c ;;
        esac
    done
    HTTP_CODE=$BC_1
    tls_check "$hb_rc"
    if [ -n "$TLS_FAIL" ]; then
        TLS_ERROR="verification failed: $TLS_FAIL"
    elif [ "$TLS_MODE" = verified ] && [ -n "$hb_any" ]; then
        TLS_ERROR=
    fi
    return 0
}

# Sets C to the answer to request $1 of the last batch.
batch_code() {
    case $1 in
        1) C=$BC_1 ;;
        2) C=$BC_2 ;;
        *) C=$BC_3 ;;
    esac
}

# Cloud metadata request: method $1, URL $2, extra header $3, body to $4.
# Short timeouts keep an on-premises start fast; never via a proxy.
meta_request() {
    HTTP_CODE=000
    : >"$4"
    case $HTTP_CLIENT in
        curl)
            HTTP_CODE=$(curl -q -s --noproxy '*' --connect-timeout 1 --max-time 2 \
                -X "$1" -H "$3" -o "$4" -w '%{http_code}' "$2" 2>/dev/null)
            ;;
        wget)
            wget -q -S -T 2 -t 1 --no-proxy --max-redirect=0 --method="$1" \
                --header="$3" -O "$4" "$2" 2>"$RESP_FILE"
            parse_wget_status
            ;;
        busybox-wget)
            # No custom methods here: only plain GETs are possible.
            [ "$1" = GET ] || return 0
            with_timeout 3 wget -q -S -Y off --header "$3" -O "$4" "$2" 2>"$RESP_FILE"
            parse_wget_status
            ;;
    esac
    check_code
}

# A document is only embedded when it plausibly is one JSON object; anything
# else (captive portals, HTML error pages) would corrupt the hello.
looks_like_json_object() {
    file_size "$1"
    [ "$N" -gt 1 ] && [ "$N" -le "$PM_CLOUD_DOC_MAX_BYTES" ] || return 1
    lj_first=
    lj_last=
    while IFS= read -r lj_line || [ -n "$lj_line" ]; do
        trim "$lj_line"
        [ -n "$T" ] || continue
        [ -n "$lj_first" ] || lj_first=$T
        lj_last=$T
    done <"$1"
    case $lj_first in
        '{'*) ;;
        *) return 1 ;;
    esac
    case $lj_last in
        *'}') return 0 ;;
    esac
    return 1
}

# Sets CLOUD_PROVIDER and leaves the document in CLOUD_FILE.
detect_cloud() {
    CLOUD_PROVIDER=
    [ "$HTTP_CLIENT" != none ] || return 0
    # AWS, IMDSv2 first; a client without PUT support falls back to IMDSv1.
    dc_tok=
    meta_request PUT "$PM_METADATA_URL/latest/api/token" \
        'X-aws-ec2-metadata-token-ttl-seconds: 21600' "$CLOUD_FILE"
    if [ "$HTTP_CODE" = 000 ] && [ "$HTTP_CLIENT" != busybox-wget ]; then
        # Nothing answers at the metadata address: on premises.  The other
        # providers use the same address, so do not wait for them too.
        return 0
    fi
    case $HTTP_CODE in
        2??) read -r dc_tok <"$CLOUD_FILE" ;;
    esac
    if [ -n "$dc_tok" ] || [ "$HTTP_CLIENT" = busybox-wget ]; then
        dc_hdr='Accept: application/json'
        [ -n "$dc_tok" ] && dc_hdr="X-aws-ec2-metadata-token: $dc_tok"
        meta_request GET "$PM_METADATA_URL/latest/dynamic/instance-identity/document" \
            "$dc_hdr" "$CLOUD_FILE"
        [ "$HTTP_CODE" = 000 ] && return 0
        case $HTTP_CODE in
            2??) looks_like_json_object "$CLOUD_FILE" && CLOUD_PROVIDER=aws && return 0 ;;
        esac
    fi
    meta_request GET "$PM_METADATA_URL/metadata/instance?api-version=2021-02-01" \
        'Metadata: true' "$CLOUD_FILE"
    case $HTTP_CODE in
        2??) looks_like_json_object "$CLOUD_FILE" && CLOUD_PROVIDER=azure && return 0 ;;
    esac
    meta_request GET "$PM_METADATA_URL/computeMetadata/v1/instance/?recursive=true" \
        'Metadata-Flavor: Google' "$CLOUD_FILE"
    case $HTTP_CODE in
        2??) looks_like_json_object "$CLOUD_FILE" && CLOUD_PROVIDER=gcp && return 0 ;;
    esac
    return 0
}

# ---- block device selection ------------------------------------------------
# "Whole physical disk" = an entry of /sys/block that has a backing device
# link.  That excludes partitions (not in /sys/block) and virtual or stacked
# devices (loop, ram, zram, dm-*, md*, nbd have no device link), so I/O is
# counted once, at the physical layer.  Without /sys, fall back to names.
is_whole_disk() {
    case $1 in
        loop* | ram* | zram* | dm-* | md* | nbd* | drbd* | sr* | fd*) return 1 ;;
    esac
    if [ -n "$HAVE_SYSBLOCK" ]; then
        wd_n=$1
        # /sys/block spells the "/" of cciss/c0d0-style names as "!".
        case $wd_n in
            */*) wd_n=${wd_n%%/*}!${wd_n#*/} ;;
        esac
        [ -e "/sys/block/$wd_n/device" ]
        return
    fi
    case $1 in
        nvme*p[0-9]* | mmcblk*p[0-9]*) return 1 ;;
        sd*[0-9] | hd*[0-9] | vd*[0-9] | xvd*[0-9]) return 1 ;;
    esac
    return 0
}

# A whole block device for the per-disk series (DISKS-CONTRACT.md): an entry
# of /sys/block (so not a partition), stacked ones (dm-*, md*) included,
# but no loop, RAM, zram, floppy or optical device.  Without /sys, by name.
is_block_dev() {
    case $1 in
        '' | loop* | ram* | zram* | fd* | sr*) return 1 ;;
    esac
    if [ -n "$HAVE_SYSBLOCK" ]; then
        bd_n=$1
        case $bd_n in
            */*) bd_n=${bd_n%%/*}!${bd_n#*/} ;;
        esac
        [ -e "/sys/block/$bd_n" ]
        return
    fi
    case $1 in
        nvme*p[0-9]* | mmcblk*p[0-9]*) return 1 ;;
        sd*[0-9] | hd*[0-9] | vd*[0-9] | xvd*[0-9]) return 1 ;;
    esac
    return 0
}

# ---- device and mount ids ---------------------------------------------------
# A device name or mount point becomes one segment of a metric name
# (disk.<id>.read_ops_per_s, fs.<id>.used_bytes; docs/collectors.md): bytes
# a-z and 0-9 stay, every other byte is "_" and two lowercase hex digits; an
# id over 40 characters is cut to 31 plus "_h" and the 8 hex digits of the
# POSIX cksum CRC of the raw name (computed here: busybox has no cksum).
# Ids are cached, so a sample costs no fork; a name with bytes outside
# printable ASCII costs one od, once.

ID_LOWER=abcdefghijklmnopqrstuvwxyz
ID_UPPER=ABCDEFGHIJKLMNOPQRSTUVWXYZ
ID_TAB='	'
# printable ASCII punctuation in code order: 32-47, 58-64, 91-96, 123-126
ID_PUNCT=' !"#$%&'\''()*+,-./:;<=>?@[\]^_`{|}~'

# Sets B to the code of printable ASCII character $1.
ascii_code() {
    case $1 in
        [a-z])
            ac_t=${ID_LOWER%%"$1"*}
            B=$((97 + ${#ac_t}))
            ;;
        [A-Z])
            ac_t=${ID_UPPER%%"$1"*}
            B=$((65 + ${#ac_t}))
            ;;
        [0-9]) B=$((48 + $1)) ;;
        *)
            ac_t=${ID_PUNCT%%"$1"*}
            [ "$ac_t" != "$ID_PUNCT" ] || return 1
            B=${#ac_t}
            if [ "$B" -lt 16 ]; then
                B=$((B + 32))
            elif [ "$B" -lt 23 ]; then
                B=$((B + 42))
            elif [ "$B" -lt 29 ]; then
                B=$((B + 68))
            else
                B=$((B + 94))
            fi
            ;;
    esac
}

# Sets D to the lowercase hex digit of 0..15.
hex_digit() {
    case $1 in
        10) D=a ;;
        11) D=b ;;
        12) D=c ;;
        13) D=d ;;
        14) D=e ;;
        15) D=f ;;
        *) D=$1 ;;
    esac
}

# One octet $1 into the cksum CRC in DI_CRC (polynomial 0x04C11DB7, MSB first).
crc_octet() {
    DI_CRC=$((DI_CRC ^ ($1 << 24)))
    co_k=0
    while [ "$co_k" -lt 8 ]; do
        if [ $((DI_CRC & 0x80000000)) -ne 0 ]; then
            DI_CRC=$((((DI_CRC << 1) ^ 0x04C11DB7) & 0xFFFFFFFF))
        else
            DI_CRC=$(((DI_CRC << 1) & 0xFFFFFFFF))
        fi
        co_k=$((co_k + 1))
    done
}

# Sets ID to the id of raw name $1; fails when the name cannot be read (empty,
# or with control characters, which /proc/mounts escapes: such mounts are
# skipped).  The cache holds lines "raw<TAB>id".
dev_id() {
    case $ID_CACHE in
        *"
$1$ID_TAB"*)
            ID=${ID_CACHE#*"
$1$ID_TAB"}
            ID=${ID%%"
"*}
            return 0
            ;;
    esac
    ID=
    case $1 in
        '' | *[[:cntrl:]]*) return 1 ;;
        *[![:print:]]*)
            # a UTF-8 (or other) name: its byte values from od
            di_codes=$(printf '%s' "$1" | od -An -tu1 -v)
            ;;
        *)
            di_codes=
            di_in=$1
            while [ -n "$di_in" ]; do
                di_rest=${di_in#?}
                ascii_code "${di_in%"$di_rest"}" || return 1
                di_codes="$di_codes $B"
                di_in=$di_rest
            done
            ;;
    esac
    di_out=
    di_n=0
    for di_b in $di_codes; do
        case $di_b in
            '' | *[!0-9]*) return 1 ;;
        esac
        di_n=$((di_n + 1))
        if [ "$di_b" -ge 48 ] && [ "$di_b" -le 57 ]; then
            di_out=$di_out$((di_b - 48))
        elif [ "$di_b" -ge 97 ] && [ "$di_b" -le 122 ]; then
            di_t=$ID_LOWER
            di_i=$((di_b - 97))
            while [ "$di_i" -gt 0 ]; do
                di_t=${di_t#?}
                di_i=$((di_i - 1))
            done
            di_out=$di_out${di_t%"${di_t#?}"}
        else
            hex_digit $((di_b / 16))
            di_h=$D
            hex_digit $((di_b % 16))
            di_out=${di_out}_$di_h$D
        fi
    done
    [ "$di_n" -gt 0 ] || return 1
    if [ "${#di_out}" -gt 40 ]; then
        DI_CRC=0
        for di_b in $di_codes; do
            crc_octet "$di_b"
        done
        while [ "$di_n" -gt 0 ]; do
            crc_octet $((di_n & 255))
            di_n=$((di_n >> 8))
        done
        DI_CRC=$((DI_CRC ^ 0xFFFFFFFF))
        di_hex=
        di_i=28
        while [ "$di_i" -ge 0 ]; do
            hex_digit $(((DI_CRC >> di_i) & 15))
            di_hex=$di_hex$D
            di_i=$((di_i - 4))
        done
        di_out=${di_out%"${di_out#???????????????????????????????}"}_h$di_hex
    fi
    ID=$di_out
    # Bounded: a host that makes new devices all the time (containers on
    # device-mapper) must not grow it without end.
    ID_CACHE_N=$((${ID_CACHE_N:-0} + 1))
    if [ "$ID_CACHE_N" -gt 512 ]; then
        ID_CACHE=
        ID_CACHE_N=1
    fi
    ID_CACHE="$ID_CACHE
$1$ID_TAB$ID"
}

# ============================================================================
# Inventory / hello
# ============================================================================

# os-release values are shell-quoted; parse them, never source the file.
osr_value() {
    U=$1
    case $U in
        \"*\")
            U=${U#\"}
            U=${U%\"}
            ov_out=
            while :; do
                case $U in
                    *\\?*) ;;
                    *) break ;;
                esac
                ov_pre=${U%%\\*}
                U=${U#*\\}
                ov_rest=${U#?}
                ov_out=$ov_out$ov_pre${U%"$ov_rest"}
                U=$ov_rest
            done
            U=$ov_out$U
            ;;
        \'*\')
            U=${U#\'}
            U=${U%\'}
            ;;
    esac
}

build_hello() {
    # hostname / kernel from /proc avoid forks; uname is the fallback.
    bh_host=
    read -r bh_host 2>/dev/null </proc/sys/kernel/hostname || bh_host=$(uname -n)
    bh_kernel=
    read -r bh_kernel 2>/dev/null </proc/sys/kernel/osrelease || bh_kernel=$(uname -r)
    # /proc/sys/kernel/arch (newer kernels) is uname -m's machine name
    bh_arch=
    read -r bh_arch 2>/dev/null </proc/sys/kernel/arch || bh_arch=$(uname -m 2>/dev/null)
    ARCH=$bh_arch

    bh_name=
    bh_pretty=
    bh_ver=
    bh_osr=/etc/os-release
    [ -r "$bh_osr" ] || bh_osr=/usr/lib/os-release
    if [ -r "$bh_osr" ]; then
        while IFS= read -r bh_line || [ -n "$bh_line" ]; do
            case $bh_line in
                NAME=*) osr_value "${bh_line#*=}" && bh_name=$U ;;
                PRETTY_NAME=*) osr_value "${bh_line#*=}" && bh_pretty=$U ;;
                VERSION_ID=*) osr_value "${bh_line#*=}" && bh_ver=$U ;;
            esac
        done <"$bh_osr"
    fi
    [ -n "$bh_pretty" ] || bh_pretty=$bh_name

    # x86 has "model name"; other architectures use other keys.
    bh_model=
    if [ -r /proc/cpuinfo ]; then
        while IFS=: read -r bh_k bh_v; do
            trim "$bh_k"
            case $T in
                'model name' | 'Processor' | 'cpu model' | 'cpu' | 'Hardware')
                    trim "$bh_v"
                    bh_model=$T
                    [ -n "$bh_model" ] && break
                    ;;
            esac
        done </proc/cpuinfo
    fi

    # The devices of the per-disk series, with their ids (DISKS-CONTRACT.md).
    bh_disks=
    bh_n=0
    if [ -r /proc/diskstats ]; then
        while read -r _ _ bh_d _; do
            is_block_dev "$bh_d" || continue
            [ "$bh_n" -lt "$PM_DEVICES_MAX" ] || break
            dev_id "$bh_d" || continue
            bh_n=$((bh_n + 1))
            bh_id=$ID
            bh_size=null
            bh_sys=$bh_d
            case $bh_sys in
                */*) bh_sys=${bh_sys%%/*}!${bh_sys#*/} ;;
            esac
            if read -r bh_sec 2>/dev/null <"/sys/block/$bh_sys/size" && to_int "$bh_sec"; then
                bh_size=$((N * 512))
            fi
            json_str "$bh_d"
            bh_disks="$bh_disks${bh_disks:+,}{\"id\":\"$bh_id\",\"name\":$J,\"size_bytes\":$bh_size}"
        done </proc/diskstats
    fi

    # The file systems of the per-volume series (the last sample's df), each
    # with the disk under it: the mount's device number in mountinfo, then
    # sysfs (a partition's parent is the disk; device-mapper and md devices
    # are disks of their own; btrfs and network file systems have none).
    bh_vols=
    while read -r bh_mp bh_id bh_cap; do
        [ -n "$bh_mp" ] || continue
        bh_mm=
        if [ -r /proc/self/mountinfo ]; then
            while read -r _ _ bh_m _ bh_p _; do
                [ "$bh_p" = "$bh_mp" ] && bh_mm=$bh_m
            done </proc/self/mountinfo
        fi
        bh_disk=null
        case $bh_mm in
            *[!0-9:]* | '' | 0:*) ;;
            *)
                bh_up=
                [ -e "/sys/dev/block/$bh_mm/partition" ] && bh_up=/..
                bh_dn=
                while IFS='=' read -r bh_k bh_v; do
                    [ "$bh_k" = DEVNAME ] && bh_dn=$bh_v
                done 2>/dev/null <"/sys/dev/block/$bh_mm$bh_up/uevent"
                is_block_dev "$bh_dn" && dev_id "$bh_dn" && bh_disk="\"$ID\""
                ;;
        esac
        json_str "$bh_mp"
        bh_vols="$bh_vols${bh_vols:+,}{\"id\":\"$bh_id\",\"mount\":$J,\"capacity_bytes\":$bh_cap,\"disk\":$bh_disk}"
    done <<EOF
$VOLUMES
EOF

    bh_nics=
    if [ -r /proc/net/dev ]; then
        {
            read -r _
            read -r _
            while IFS=': ' read -r bh_if _; do
                case $bh_if in
                    '' | lo) continue ;;
                esac
                bh_mac=
                read -r bh_mac 2>/dev/null <"/sys/class/net/$bh_if/address"
                json_str "$bh_mac"
                bh_macj=$J
                json_str "$bh_if"
                bh_nics="$bh_nics${bh_nics:+,}{\"name\":$J,\"mac\":$bh_macj}"
            done
        } </proc/net/dev
    fi

    # Metrics whose source is missing on this host; rates count as available
    # once their counters could be read.
    bh_unavail=
    for bh_m in \
        "$CPU_OK:cpu.busy_pct" "$CPU_OK:cpu.count" "$LOAD_OK:load.1m" \
        "$MEMTOTAL_OK:mem.total_bytes" "$MEMAVAIL_OK:mem.available_bytes" \
        "$MEMAVAIL_OK:mem.used_bytes" "$SWAP_OK:swap.total_bytes" \
        "$SWAP_OK:swap.used_bytes" "$DISK_OK:disk.read_bytes_per_s" \
        "$DISK_OK:disk.write_bytes_per_s" "$DISK_OK:disk.read_ops_per_s" \
        "$DISK_OK:disk.write_ops_per_s" "$FS_OK:fs.capacity_bytes" \
        "$FS_OK:fs.used_bytes" "$NET_OK:net.rx_bytes_per_s" \
        "$NET_OK:net.tx_bytes_per_s"; do
        case $bh_m in
            1:*) ;;
            *) bh_unavail="$bh_unavail${bh_unavail:+,}\"${bh_m#*:}\"" ;;
        esac
    done

    # Per-disk and per-volume series this host cannot give.
    bh_feat=$SOCK_UNAVAIL
    [ -n "$bh_disks" ] || bh_feat="$bh_feat${bh_feat:+,}\"disk.devices\""
    [ -n "$bh_vols" ] || bh_feat="$bh_feat${bh_feat:+,}\"fs.volumes\""

    json_str "$bh_host"
    bh_hostj=$J
    json_str "$bh_pretty"
    bh_prettyj=$J
    json_str "$bh_ver"
    bh_verj=$J
    json_str "$bh_kernel"
    bh_kernelj=$J
    json_str "$bh_arch"
    bh_archj=$J
    json_str "$bh_model"
    bh_modelj=$J

    {
        printf '{"hostname":%s,' "$bh_hostj"
        printf '"os":{"family":"linux","name":%s,"version":%s,"kernel":%s,"arch":%s},' \
            "$bh_prettyj" "$bh_verj" "$bh_kernelj" "$bh_archj"
        printf '"cpu":{"model":%s,"count":%s},' "$bh_modelj" "${CPU_COUNT:-null}"
        printf '"memory_bytes":%s,' "${MEM_TOTAL_BYTES:-null}"
        printf '"disks":[%s],' "$bh_disks"
        printf '"volumes":[%s],' "$bh_vols"
        printf '"nics":[%s],' "$bh_nics"
        if [ -n "$CLOUD_PROVIDER" ]; then
            printf '"cloud":{"provider":"%s","document":' "$CLOUD_PROVIDER"
            cat "$CLOUD_FILE"
            printf '},'
        else
            printf '"cloud":null,'
        fi
        printf '"collector":{"version":"%s","kind":"sh","started_at":%s,"expires_at":%s,' \
            "$PM_VERSION" "$STARTED_AT" "$EXPIRES_AT"
        printf '"interval_s":%s,"upload_s":%s,"unavailable_metrics":[%s],' \
            "$PM_INTERVAL_S" "$PM_UPLOAD_S" "$bh_unavail"
        printf '"unavailable_features":[%s]}}\n' "$bh_feat"
    } >"$HELLO_FILE"
    # on premises nothing answered and the file is empty: no rm (a fork) for it
    [ -s "$CLOUD_FILE" ] && rm -f "$CLOUD_FILE"
    return 0
}

# ============================================================================
# Sampling
# ============================================================================
# Each sampler reads /proc with the `read` builtin: no fork per metric.  The
# only forks per sample are df (filesystems) and the interval sleep.

emit() {
    BUF="$BUF$TS,$1,$2
"
}

# Per-second rate of counter $2 against previous value $3 (scaled integers).
emit_rate() {
    [ -n "$3" ] && [ "$RATE_DT_CS" -gt 0 ] || return 0
    er_d=$(($2 - $3))
    # A counter that went down (reset, device gone) gives no rate this time.
    [ "$er_d" -ge 0 ] || return 0
    fmt2 $(((er_d * 10000 + RATE_DT_CS / 2) / RATE_DT_CS))
    emit "$1" "$F"
}

sample_cpu() {
    [ -r /proc/stat ] || return 0
    sc_tot=
    sc_n=0
    # cpu (aggregate) and cpuN lines come first; stop before the long ones.
    while read -r sc_name sc_u sc_ni sc_sy sc_id sc_io sc_irq sc_si sc_st _; do
        case $sc_name in
            cpu)
                sc_idle=$((${sc_id:-0} + ${sc_io:-0}))
                sc_tot=$((${sc_u:-0} + ${sc_ni:-0} + ${sc_sy:-0} + sc_idle + ${sc_irq:-0} + ${sc_si:-0} + ${sc_st:-0}))
                ;;
            cpu*) sc_n=$((sc_n + 1)) ;;
            *) break ;;
        esac
    done </proc/stat
    [ -n "$sc_tot" ] || return 0
    CPU_OK=1
    CPU_COUNT=$sc_n
    emit cpu.count "$sc_n"
    if [ -n "$P_CPU_TOT" ]; then
        sc_dt=$((sc_tot - P_CPU_TOT))
        sc_db=$((sc_dt - (sc_idle - P_CPU_IDLE)))
        if [ "$sc_dt" -gt 0 ]; then
            # iowait may run backwards on some kernels: clamp to 0..100 %.
            [ "$sc_db" -lt 0 ] && sc_db=0
            [ "$sc_db" -gt "$sc_dt" ] && sc_db=$sc_dt
            fmt2 $(((sc_db * 10000 + sc_dt / 2) / sc_dt))
            emit cpu.busy_pct "$F"
        fi
    fi
    P_CPU_TOT=$sc_tot
    P_CPU_IDLE=$sc_idle
}

sample_load() {
    [ -r /proc/loadavg ] || return 0
    read -r sl_1 _ </proc/loadavg
    case $sl_1 in
        '' | *[!0-9.]* | .* | *.) return 0 ;;
    esac
    LOAD_OK=1
    emit load.1m "$sl_1"
}

sample_mem() {
    [ -r /proc/meminfo ] || return 0
    sm_mt=
    sm_ma=
    sm_st=
    sm_sf=
    while read -r sm_k sm_v _; do
        case $sm_k in
            MemTotal:) sm_mt=$sm_v ;;
            MemAvailable:) sm_ma=$sm_v ;;
            SwapTotal:) sm_st=$sm_v ;;
            SwapFree:)
                sm_sf=$sm_v
                break
                ;;
        esac
    done </proc/meminfo
    if to_int "$sm_mt"; then
        MEMTOTAL_OK=1
        MEM_TOTAL_BYTES=$((N * 1024))
        emit mem.total_bytes "$MEM_TOTAL_BYTES"
        # MemAvailable exists since Linux 3.14; older kernels list it missing.
        if to_int "$sm_ma"; then
            MEMAVAIL_OK=1
            emit mem.available_bytes $((N * 1024))
            emit mem.used_bytes $((MEM_TOTAL_BYTES - N * 1024))
        fi
    fi
    if to_int "$sm_st"; then
        sm_stb=$((N * 1024))
        if to_int "$sm_sf"; then
            SWAP_OK=1
            emit swap.total_bytes "$sm_stb"
            emit swap.used_bytes $((sm_stb - N * 1024))
        fi
    fi
}

# One pass over /proc/diskstats gives both the totals (physical disks only,
# each I/O counted once) and the per-device series (every whole device,
# stacked ones too, as DISKS-CONTRACT.md lists them).  The previous
# counters of each device are kept in P_DEVS, lines "name rb wb ro wo".
sample_disk() {
    [ -r /proc/diskstats ] || return 0
    sd_ro=0
    sd_rs=0
    sd_wo=0
    sd_ws=0
    sd_new=
    sd_n=0
    # Sectors in /proc/diskstats are always 512 bytes, whatever the device.
    while read -r _ _ sd_name sd_rio _ sd_rsec _ sd_wio _ sd_wsec _; do
        case $sd_rio$sd_rsec$sd_wio$sd_wsec in
            '' | *[!0-9]*) continue ;;
        esac
        if is_whole_disk "$sd_name"; then
            sd_ro=$((sd_ro + sd_rio))
            sd_rs=$((sd_rs + sd_rsec))
            sd_wo=$((sd_wo + sd_wio))
            sd_ws=$((sd_ws + sd_wsec))
        fi
        is_block_dev "$sd_name" || continue
        if [ "$sd_n" -ge "$PM_DEVICES_MAX" ]; then
            [ -n "$DEVS_CAPPED" ] || log "more than $PM_DEVICES_MAX block devices: per-disk series for the first $PM_DEVICES_MAX only"
            DEVS_CAPPED=1
            continue
        fi
        dev_id "$sd_name" || continue
        sd_n=$((sd_n + 1))
        sd_rb=$((sd_rsec * 512))
        sd_wb=$((sd_wsec * 512))
        sd_new="$sd_new
$sd_name $sd_rb $sd_wb $sd_rio $sd_wio"
        case $P_DEVS in
            *"
$sd_name "*)
                sd_p=${P_DEVS#*"
$sd_name "}
                sd_p=${sd_p%%"
"*}
                sd_prb=${sd_p%% *}
                sd_p=${sd_p#* }
                sd_pwb=${sd_p%% *}
                sd_p=${sd_p#* }
                sd_pro=${sd_p%% *}
                sd_pwo=${sd_p#* }
                emit_rate "disk.$ID.read_bytes_per_s" "$sd_rb" "$sd_prb"
                emit_rate "disk.$ID.write_bytes_per_s" "$sd_wb" "$sd_pwb"
                emit_rate "disk.$ID.read_ops_per_s" "$sd_rio" "$sd_pro"
                emit_rate "disk.$ID.write_ops_per_s" "$sd_wio" "$sd_pwo"
                ;;
        esac
    done </proc/diskstats
    P_DEVS=$sd_new
    DISK_OK=1
    sd_rb=$((sd_rs * 512))
    sd_wb=$((sd_ws * 512))
    emit_rate disk.read_bytes_per_s "$sd_rb" "$P_DISK_RB"
    emit_rate disk.write_bytes_per_s "$sd_wb" "$P_DISK_WB"
    emit_rate disk.read_ops_per_s "$sd_ro" "$P_DISK_RO"
    emit_rate disk.write_ops_per_s "$sd_wo" "$P_DISK_WO"
    P_DISK_RB=$sd_rb
    P_DISK_WB=$sd_wb
    P_DISK_RO=$sd_ro
    P_DISK_WO=$sd_wo
}

sample_net() {
    [ -r /proc/net/dev ] || return 0
    sn_rx=0
    sn_tx=0
    {
        read -r _
        read -r _
        # Old kernels glue the first counter to the colon ("eth0:123"); with
        # ':' in IFS both layouts split the same way.
        while IFS=': ' read -r sn_if sn_r _ _ _ _ _ _ _ sn_t _; do
            [ "$sn_if" != lo ] || continue
            case $sn_r$sn_t in
                '' | *[!0-9]*) continue ;;
            esac
            sn_rx=$((sn_rx + sn_r))
            sn_tx=$((sn_tx + sn_t))
        done
    } </proc/net/dev
    NET_OK=1
    emit_rate net.rx_bytes_per_s "$sn_rx" "$P_NET_RX"
    emit_rate net.tx_bytes_per_s "$sn_tx" "$P_NET_TX"
    P_NET_RX=$sn_rx
    P_NET_TX=$sn_tx
}

# Local, disk-backed filesystems only, one mount per device (bind mounts and
# btrfs subvolumes would otherwise count twice).  df gets the mountpoints as
# arguments so it never stats network mounts, which can hang.
sample_fs() {
    [ -r /proc/mounts ] || return 0
    sf_seen=' '
    set --
    while read -r sf_dev sf_mp sf_type _; do
        case $sf_type in
            ext2 | ext3 | ext4 | xfs | btrfs | zfs | jfs | reiserfs | f2fs | vfat | exfat | \
                ntfs | ntfs3 | fuseblk | hfsplus | nilfs2 | bcachefs | ufs) ;;
            *) continue ;;
        esac
        # /proc/mounts escapes blanks as \040; df prints them raw.  Rare on
        # servers, so such mounts are skipped rather than decoded.
        case $sf_mp in
            *\\*) continue ;;
        esac
        case $sf_seen in
            *" $sf_dev "*) continue ;;
        esac
        sf_seen="$sf_seen$sf_dev "
        set -- "$@" "$sf_mp"
    done </proc/mounts
    [ "$#" -gt 0 ] || return 0
    df -P -k -- "$@" >"$DF_FILE" 2>/dev/null
    sf_cap=0
    sf_used=0
    sf_n=0
    VOLUMES=
    {
        read -r _
        # POSIX df -P: one line per file system, the mount point last.
        while read -r _ sf_blocks sf_u _ _ sf_mp; do
            case $sf_blocks$sf_u in
                '' | *[!0-9]*) continue ;;
            esac
            sf_cap=$((sf_cap + sf_blocks))
            sf_used=$((sf_used + sf_u))
            sf_n=$((sf_n + 1))
            [ "$sf_n" -le "$PM_VOLUMES_MAX" ] || continue
            dev_id "$sf_mp" || continue
            emit "fs.$ID.capacity_bytes" $((sf_blocks * 1024))
            emit "fs.$ID.used_bytes" $((sf_u * 1024))
            VOLUMES="$VOLUMES
$sf_mp $ID $((sf_blocks * 1024))"
        done
    } <"$DF_FILE"
    [ "$sf_n" -gt 0 ] || return 0
    FS_OK=1
    emit fs.capacity_bytes $((sf_cap * 1024))
    emit fs.used_bytes $((sf_used * 1024))
}

take_sample() {
    clock
    TS=$NOW
    # Only a re-anchored clock can repeat a second; the receiver would
    # de-duplicate the second sample away.
    [ "$TS" = "$LAST_TS" ] && TS=$((TS + 1))
    RATE_DT_CS=0
    [ -n "$P_UP_CS" ] && RATE_DT_CS=$((UP_CS - P_UP_CS))
    BUF=
    sample_cpu
    sample_load
    sample_mem
    sample_disk
    sample_net
    sample_fs
    P_UP_CS=$UP_CS
    [ "$DROPPED" -gt 0 ] && emit collector.spool_dropped_lines "$DROPPED"
    SAMPLES=$((SAMPLES + 1))
    LAST_TS=$TS
    spool_append
}

# ============================================================================
# Sockets
# ============================================================================
# Every PM_SOCKETS_S seconds one snapshot of the host's sockets: listening
# TCP and bound UDP sockets, and established TCP connections aggregated as
# the wire format (SOCKETS-PROTOCOL) wants.  One `ls` (socket inode -> pid,
# via the /proc/<pid>/fd links this user may read) piped into one `awk`,
# which also reads /etc/passwd, /proc/net/* and /proc/<pid>/comm itself and
# appends the snapshot to sockets.csv: two forks per snapshot, whatever the
# number of sockets.  The awk reads /proc/net first and the fd listing
# after it: the snapshot shows the sockets at its timestamp.

# Decides which sources exist (the hello lists the missing ones) and the
# byte order /proc/net prints addresses in (host order, 32-bit words).
sockets_init() {
    SOCK_SOURCES=
    SOCK_PROCS=
    SOCK_BE=
    SOCK_UNAVAIL=
    if [ "$PM_SOCKETS_S" = 0 ]; then
        SOCK_UNAVAIL='"sockets"'
        return 0
    fi
    for si_f in tcp tcp6 udp udp6; do
        if [ -r "/proc/net/$si_f" ]; then
            SOCK_SOURCES="$SOCK_SOURCES $si_f"
        else
            SOCK_UNAVAIL="$SOCK_UNAVAIL${SOCK_UNAVAIL:+,}\"sockets.$si_f\""
        fi
    done
    if [ -z "$SOCK_SOURCES" ]; then
        SOCK_UNAVAIL="\"sockets\",$SOCK_UNAVAIL"
        log "no /proc/net/tcp, tcp6, udp or udp6: socket snapshots off"
        return 0
    fi
    if command -v ls >/dev/null 2>&1 && [ -r /proc/self/fd ]; then
        SOCK_PROCS=1
    else
        SOCK_UNAVAIL="$SOCK_UNAVAIL${SOCK_UNAVAIL:+,}\"sockets.process_names\""
    fi
    SOCKETS_ON=1
}

# Sets SOCK_BE (once, at the first snapshot, which runs after the hello).
sockets_byte_order() {
    SOCK_BE=0
    # The machine names that say their byte order need no fork (the hello
    # read it); the others ask an ELF binary.
    case $ARCH in
        x86_64 | i[3-6]86 | aarch64 | arm*l | riscv* | ppc64le | loongarch*) return 0 ;;
        s390* | aarch64_be | arm*b | sparc*) SOCK_BE=1 && return 0 ;;
    esac
    # EI_DATA of an ELF binary: 1 = little-endian, 2 = big-endian.
    case $(od -An -tx1 -j5 -N1 /proc/self/exe 2>/dev/null) in
        *02*) SOCK_BE=1 ;;
        *01*) ;;
        *)
            case $ARCH in
                s390* | ppc | ppc64 | sparc* | m68k | hppa* | parisc*) SOCK_BE=1 ;;
            esac
            ;;
    esac
}

take_snapshot() {
    [ -n "$SOCK_BE" ] || sockets_byte_order
    clock
    SK_TS=$NOW
    # The receiver keys a snapshot by its second: never reuse one.
    [ -n "$LAST_SNAP_TS" ] && [ "$SK_TS" -le "$LAST_SNAP_TS" ] && SK_TS=$((LAST_SNAP_TS + 1))
    # /proc/net first, so the snapshot is read at its timestamp; the fd
    # listing (the slow part on a host with many descriptors) after it.
    set --
    [ -r /etc/passwd ] && set -- kind=passwd /etc/passwd
    for ts_f in $SOCK_SOURCES; do
        set -- "$@" "kind=$ts_f" "/proc/net/$ts_f"
    done
    [ -n "$SOCK_PROCS" ] && set -- "$@" kind=fd -
    if [ -n "$SOCK_PROCS" ]; then
        # ls -l is the one way to read thousands of fd links with one fork.
        # shellcheck disable=SC2012
        ls -ln /proc/[0-9]*/fd 2>/dev/null | snapshot_awk "$@" >"$STATS_FILE"
    else
        snapshot_awk "$@" >"$STATS_FILE"
    fi
    SK_LINES=
    SK_BYTES=
    SK_L=
    SK_C=
    SK_D=
    read -r SK_LINES SK_BYTES SK_L SK_C SK_D <"$STATS_FILE"
    for sk_v in "$SK_LINES" "$SK_BYTES" "$SK_L" "$SK_C" "$SK_D"; do
        if ! to_int "$sk_v"; then
            log "socket snapshot failed"
            spool_select sockets
            spool_repair
            spool_store
            return 0
        fi
    done
    SNAPSHOTS=$((SNAPSHOTS + 1))
    LAST_SNAP_TS=$SK_TS
    LAST_SNAP_DROPPED=$SK_D
    [ "$SK_D" -gt 0 ] && log "socket snapshot over $PM_SOCKETS_MAX_ROWS rows: $SK_D rows left out"
    spool_select sockets
    SP_BYTES=$((SP_BYTES + SK_BYTES))
    spool_enforce_cap
    spool_store
}

# The snapshot itself; arguments are awk operands (kind=... file ...).
# Prints "lines bytes listeners connections dropped".
snapshot_awk() {
    awk -v ts="$SK_TS" -v max="$PM_SOCKETS_MAX_ROWS" -v maxbytes="$PM_CHUNK_MAX_BYTES" \
        -v be="$SOCK_BE" -v out="$SOCK_SPOOL" '
        function hx(s,   i, n, t) {
            if (s in HX) return HX[s]
            n = 0
            t = toupper(s)
            for (i = 1; i <= length(t); i++) n = n * 16 + index("0123456789ABCDEF", substr(t, i, 1)) - 1
            HX[s] = n
            return n
        }
        # network-order hex to a dotted quad
        function q4(x) {
            return hx(substr(x, 1, 2)) "." hx(substr(x, 3, 2)) "." hx(substr(x, 5, 2)) "." hx(substr(x, 7, 2))
        }
        # one 32-bit word as /proc prints it (host order) to network order
        function w(x) {
            if (be == 1) return x
            return substr(x, 7, 2) substr(x, 5, 2) substr(x, 3, 2) substr(x, 1, 2)
        }
        # IPv4 dotted; IPv4-mapped IPv6 as IPv4; IPv6 in RFC 5952 form
        function addr(h,   x, i, g, bs, bl, cs, cl, s) {
            if (h in AD) return AD[h]
            if (length(h) == 8) s = q4(w(h))
            else {
                x = w(substr(h, 1, 8)) w(substr(h, 9, 8)) w(substr(h, 17, 8)) w(substr(h, 25, 8))
                if (substr(x, 1, 20) == "00000000000000000000" && toupper(substr(x, 21, 4)) == "FFFF")
                    s = q4(substr(x, 25, 8))
                else {
                    bs = -1; bl = 0; cl = 0
                    for (i = 0; i < 8; i++) {
                        g[i] = hx(substr(x, i * 4 + 1, 4))
                        if (g[i] == 0) {
                            if (cl == 0) cs = i
                            cl++
                            if (cl > bl) { bl = cl; bs = cs }
                        } else cl = 0
                    }
                    if (bl < 2) bs = -1
                    s = ""
                    for (i = 0; i < 8; i++) {
                        if (i == bs) { s = s "::"; i += bl - 1; continue }
                        if (s != "" && substr(s, length(s)) != ":") s = s ":"
                        s = s sprintf("%x", g[i])
                    }
                }
            }
            AD[h] = s
            return s
        }
        # percent-encoding of a text field, at most 255 bytes before encoding
        function pe(s,   i, c, r) {
            if (length(s) > 255) s = substr(s, 1, 255)
            if (s !~ /[^!-~]/ && s !~ /[%,]/) return s
            r = ""
            for (i = 1; i <= length(s); i++) {
                c = substr(s, i, 1)
                if (c ~ /[!-~]/ && c != "%" && c != ",") r = r c
                else r = r sprintf("%%%02X", ORD[c])
            }
            return r
        }
        # "user,process" of socket inode ino owned by uid
        function own(uid, ino,   u, p, f, l, n, c) {
            if (!(uid in UE)) UE[uid] = pe((uid in USER) ? USER[uid] : "uid:" uid)
            u = UE[uid]
            p = ""
            if (ino in PID) {
                p = PID[ino]
                if (!(p in COMM)) {
                    f = "/proc/" p "/comm"
                    c = ""; n = 0
                    while ((getline l < f) > 0) c = (n++ ? c "\n" : "") l
                    close(f)
                    COMM[p] = pe(c)
                }
                p = COMM[p]
            }
            return u "," p
        }
        BEGIN { for (i = 1; i < 256; i++) ORD[sprintf("%c", i)] = i }
        kind == "passwd" {
            if (split($0, f, ":") >= 3 && !(f[3] in USER)) USER[f[3]] = f[1]
            next
        }
        kind == "fd" {
            if (index($NF, "socket:[") == 1) {
                if (pid == "") next
                i = substr($NF, 9, length($NF) - 9)
                if (!(i in PID)) PID[i] = pid
            } else if (NF == 1 && $0 ~ /^\/proc\/[0-9]+\/fd:$/) {
                split($0, f, "/")
                pid = f[3]
            }
            next
        }
        FNR == 1 { next }
        {
            proto = substr(kind, 1, 3)
            split($2, l, ":")
            split($3, r, ":")
            if ((proto == "tcp" && $4 == "0A") ||
                (proto == "udp" && $4 == "07" && r[2] == "0000" && r[1] !~ /[^0]/)) {
                p = hx(l[2])
                if (p == 0) next
                nr++
                LK[nr] = proto "," addr(l[1]) "," p; LU[nr] = $8; LI[nr] = $10
                LPORT[proto, p] = 1
            } else if ($4 == "01") {
                # TCP established, or a connected UDP socket (a resolver query, syslog)
                nc++
                CP[nc] = proto
                CLA[nc] = addr(l[1]); CLP[nc] = hx(l[2])
                CRA[nc] = addr(r[1]); CRP[nc] = hx(r[2])
                CU[nc] = $8; CI[nc] = $10
            }
        }
        END {
            # owners now that the fd listing (inode -> pid) is read
            for (i = 1; i <= nr; i++) LIS[LK[i] "," own(LU[i], LI[i]) ","] = 1
            for (i = 1; i <= nc; i++) COWN[i] = own(CU[i], CI[i])
            bytes = 0; nl = 0; no = 0; drop = 0
            for (k in LIS) {
                line = ts ",listen," k
                if (nl >= max || bytes + length(line) + 1 > maxbytes - 100) { drop++; continue }
                OUT[++no] = line; nl++; bytes += length(line) + 1
            }
            # aggregate: ephemeral ports are not part of the key
            for (i = 1; i <= nc; i++) {
                if ((CP[i], CLP[i]) in LPORT) k = "in," CP[i] "," CLA[i] "," CLP[i] "," CRA[i] ",0," COWN[i] ","
                else k = "out," CP[i] "," CLA[i] ",0," CRA[i] "," CRP[i] "," COWN[i] ","
                CNT[k]++
            }
            maxc = 0
            for (k in CNT) {
                c = CNT[k]
                # (some awks create BY[c] before the right side is read)
                if (c in BY) BY[c] = BY[c] SUBSEP k
                else BY[c] = k
                if (c > maxc) maxc = c
            }
            # highest counts first, so the cap leaves out the smallest rows
            ncon = 0
            for (c = maxc; c >= 1; c--) {
                if (!(c in BY)) continue
                m = split(BY[c], ks, SUBSEP)
                for (j = 1; j <= m; j++) {
                    line = ts ",conn," ks[j] "," c
                    if (nl + ncon >= max || bytes + length(line) + 1 > maxbytes - 100) { drop++; continue }
                    OUT[++no] = line; ncon++; bytes += length(line) + 1
                }
            }
            line = ts ",snapshot,proc," nl "," ncon "," drop
            print line >> out
            bytes += length(line) + 1
            for (i = 1; i <= no; i++) print OUT[i] >> out
            close(out)
            printf "%d %d %d %d %d\n", no + 1, bytes, nl, ncon, drop
        }' "$@"
}

# ============================================================================
# Spool
# ============================================================================
# Two spools: spool.csv (samples) and sockets.csv (socket snapshots).  Each
# holds the lines not yet acknowledged by the appliance, oldest first.  Lines
# leave it only after a 2xx (replays are harmless: the receiver
# de-duplicates), or when the size cap drops the oldest ones.  The functions
# below work on the spool chosen by spool_select (SP_* variables), whose
# size is tracked in SPOOL_BYTES / SOCK_BYTES so appending needs no `wc` fork.

# spool_select metrics|sockets: points the SP_* variables at that spool.
spool_select() {
    SP_KIND=$1
    if [ "$1" = sockets ]; then
        SP_FILE=$SOCK_SPOOL
        SP_BYTES=$SOCK_BYTES
        SP_REJECTED=$SOCK_REJECTED
        SP_CHUNK=$SOCK_CHUNK_FILE
    else
        SP_FILE=$SPOOL
        SP_BYTES=$SPOOL_BYTES
        SP_REJECTED=$REJECTED
        SP_CHUNK=$CHUNK_FILE
    fi
}

# Writes SP_BYTES back to the selected spool's counter.
spool_store() {
    if [ "$SP_KIND" = sockets ]; then
        SOCK_BYTES=$SP_BYTES
    else
        SPOOL_BYTES=$SP_BYTES
    fi
}

# Counts $1 lines dropped by the cap of the selected spool.
spool_count_dropped() {
    if [ "$SP_KIND" = sockets ]; then
        SOCK_DROPPED=$((SOCK_DROPPED + $1))
        sc_total=$SOCK_DROPPED
    else
        DROPPED=$((DROPPED + $1))
        sc_total=$DROPPED
    fi
}

spool_append() {
    [ -n "$BUF" ] || return 0
    spool_select metrics
    if printf '%s' "$BUF" >>"$SP_FILE"; then
        SP_BYTES=$((SP_BYTES + ${#BUF}))
    else
        log "cannot append to spool (disk full?)"
        spool_repair
    fi
    spool_enforce_cap
    spool_store
}

# A crash or full disk can leave a partial last line; terminate it so the
# next sample does not get glued to it (the upload filter drops the remnant).
spool_repair() {
    file_size "$SP_FILE"
    SP_BYTES=$N
    [ "$SP_BYTES" -gt 0 ] || return 0
    sr_last=$(tail -c 1 "$SP_FILE")
    if [ -n "$sr_last" ]; then
        printf '\n' >>"$SP_FILE" && SP_BYTES=$((SP_BYTES + 1))
    fi
}

# Over the cap, drop the oldest lines down to 90 % of it, so that a long
# outage trims every few samples instead of after every one.  In the sockets
# spool the drop runs on to the next snapshot header: never half a snapshot.
spool_enforce_cap() {
    [ "$SP_BYTES" -gt "$PM_SPOOL_MAX_BYTES" ] || return 0
    se_need=$((SP_BYTES - (PM_SPOOL_MAX_BYTES - PM_SPOOL_MAX_BYTES / 10)))
    se_snap=0
    [ "$SP_KIND" = sockets ] && se_snap=1
    : >"$SP_FILE.tmp"
    awk -v need="$se_need" -v out="$SP_FILE.tmp" -v snap="$se_snap" '
        !kept && (dropped < need || (snap && $0 !~ /^[0-9]+,snapshot,/)) {
            dropped += length($0) + 1; lines++; next
        }
        { kept = 1; print > out }
        END { printf "%d %d\n", lines, dropped }' "$SP_FILE" >"$STATS_FILE" || return 0
    se_lines=
    se_bytes=
    read -r se_lines se_bytes <"$STATS_FILE"
    to_int "$se_lines" || return 0
    to_int "$se_bytes" || return 0
    mv -f "$SP_FILE.tmp" "$SP_FILE" || return 0
    spool_count_dropped "$se_lines"
    SP_BYTES=$((SP_BYTES - se_bytes))
    [ "$SP_BYTES" -ge 0 ] || SP_BYTES=0
    log "$SP_FILE over ${PM_SPOOL_MAX_BYTES} bytes: dropped $se_lines oldest lines ($sc_total in total)"
}

# Copies the first lines of the selected spool, up to PM_CHUNK_MAX_BYTES and
# always whole lines (whole snapshots for sockets), into SP_CHUNK.  Lines
# that do not match the line grammar (a torn write) are consumed but not
# sent, so one bad line cannot block the spool with 400s forever.  A snapshot
# whose rows do not match its header is dropped as a whole.
make_chunk() {
    : >"$SP_CHUNK"
    if [ "$SP_KIND" = sockets ]; then
        awk -v max="$PM_CHUNK_MAX_BYTES" -v out="$SP_CHUNK" '
            function torn() { bad += sl; n += sl; bytes += sb; sl = 0; open = 0 }
            function complete(   i) {
                if (good > 0 && bytes + sb > max) { more = 1; stop = 1; exit }
                for (i = 1; i <= sl; i++) print S[i] > out
                good += sl; n += sl; bytes += sb; sl = 0; open = 0
            }
            function row(line) { S[++sl] = line; sb += length(line) + 1 }
            {
                if (open) {
                    if (substr($0, 1, length(ts) + 1) == ts ",") {
                        if (nl < wl && nc == 0 && $0 ~ /^[0-9]+,listen,(tcp|udp),[0-9A-Fa-f:.]+,[0-9]+,[^,]*,[^,]*,[^,]*$/) {
                            row($0); nl++
                            if (nl == wl && wc == 0) complete()
                            next
                        }
                        if (nl == wl && nc < wc && $0 ~ /^[0-9]+,conn,(in|out),(tcp|udp),[0-9A-Fa-f:.]+,[0-9]+,[0-9A-Fa-f:.]+,[0-9]+,[^,]*,[^,]*,[^,]*,[0-9]+$/) {
                            row($0); nc++
                            if (nc == wc) complete()
                            next
                        }
                    }
                    torn()
                }
                if ($0 ~ /^[0-9]+,snapshot,[a-z]+,[0-9]+,[0-9]+,[0-9]+$/) {
                    split($0, h, ",")
                    ts = h[1]; wl = h[4] + 0; wc = h[5] + 0; nl = 0; nc = 0
                    open = 1; sl = 0; sb = 0
                    row($0)
                    if (wl == 0 && wc == 0) complete()
                    next
                }
                bad++; n++; bytes += length($0) + 1
            }
            END {
                if (open && !stop) torn()
                printf "%d %d %d %d %d\n", n, bytes, good, bad, more
            }' "$SP_FILE" >"$STATS_FILE"
    else
        awk -v max="$PM_CHUNK_MAX_BYTES" -v out="$SP_CHUNK" '
            {
                b = length($0) + 1
                if (n > 0 && bytes + b > max) { more = 1; exit }
                n++; bytes += b
                if (split($0, f, ",") == 3 && f[1] ~ /^[0-9]+$/ &&
                    f[2] ~ /^[a-z][a-z0-9_.]*$/ && length(f[2]) <= 64 &&
                    f[3] ~ /^-?[0-9]+(\.[0-9]+)?$/) { print > out; good++ }
                else bad++
            }
            END { printf "%d %d %d %d %d\n", n, bytes, good, bad, more }' "$SP_FILE" >"$STATS_FILE"
    fi
    CH_LINES=
    CH_BYTES=
    CH_GOOD=
    CH_BAD=
    CH_MORE=
    read -r CH_LINES CH_BYTES CH_GOOD CH_BAD CH_MORE <"$STATS_FILE"
    for mc_v in "$CH_LINES" "$CH_BYTES" "$CH_GOOD" "$CH_BAD" "$CH_MORE"; do
        to_int "$mc_v" || return 1
    done
    [ "$CH_BAD" -gt 0 ] && log "skipping $CH_BAD malformed lines of $SP_FILE"
    return 0
}

# Removes the lines of the last chunk from the head of the selected spool.
drop_chunk_from_spool() {
    if [ "$CH_MORE" = 0 ]; then
        # The chunk was the whole spool: no copy needed.
        : >"$SP_FILE"
        SP_BYTES=0
        return 0
    fi
    tail -n "+$((CH_LINES + 1))" "$SP_FILE" >"$SP_FILE.tmp" && mv -f "$SP_FILE.tmp" "$SP_FILE"
    SP_BYTES=$((SP_BYTES - CH_BYTES))
    [ "$SP_BYTES" -ge 0 ] || SP_BYTES=0
}

# Appends the chunk the appliance refused with 400 to rejected.csv (or
# rejected-sockets.csv), which is capped like the spool: once it is full,
# chunks stay in the spool as for any other failure (an appliance or proxy
# refusing everything must not empty it).
set_aside_chunk() {
    file_size "$SP_REJECTED"
    if [ $((N + CH_BYTES)) -gt "$PM_SPOOL_MAX_BYTES" ]; then
        log "appliance refused $CH_GOOD lines (HTTP 400) and $SP_REJECTED is full; keeping them spooled"
        return 1
    fi
    cat "$SP_CHUNK" >>"$SP_REJECTED" || return 1
    REJECTED_LINES=$((REJECTED_LINES + CH_GOOD))
    log "appliance refused $CH_GOOD lines (HTTP 400); set aside in $SP_REJECTED, continuing with the next"
}

# ============================================================================
# Upload
# ============================================================================

retire() {
    log "appliance answered 410 (collector expired or retired); exiting"
    STOP_REASON=retired
    exit 0
}

# What the answer $2 to the selected spool's chunk ($1 = metrics or sockets)
# means for it: 2xx drops it from the spool, 410 retires the collector, 400
# sets it aside; anything else keeps it and sets uc_failed.
chunk_result() {
    LAST_UPLOAD_STATUS=$2
    case $2 in
        2??)
            LAST_UPLOAD_OK_AT=$NOW
            uc_sent=$((uc_sent + CH_GOOD))
            drop_chunk_from_spool
            ;;
        410)
            spool_store
            retire
            ;;
        400)
            # Refused for what the local line check cannot see (e.g. a
            # timestamp from a clock that was far off): set the chunk
            # aside so it stops blocking the spool, and go on.
            if set_aside_chunk; then
                drop_chunk_from_spool
            else
                uc_failed=1
            fi
            ;;
        *)
            log "upload failed (HTTP $2) for /api/v1/$1; keeping $SP_BYTES spooled bytes"
            uc_failed=1
            ;;
    esac
    spool_store
}

# upload_spool KIND: sends spool KIND chunk by chunk to /api/v1/KIND.  Sets
# uc_failed on a failure; returns early with UPLOAD_PENDING=1 when a sample
# is due during a large backlog.
upload_spool() {
    spool_select "$1"
    while [ -s "$SP_FILE" ]; do
        make_chunk || {
            log "cannot read $SP_FILE"
            uc_failed=1
            break
        }
        [ "$CH_LINES" -gt 0 ] || break
        if [ "$CH_GOOD" -gt 0 ]; then
            clock
            LAST_UPLOAD_AT=$NOW
            http_post "$PM_URL/api/v1/$1" text/plain "$SP_CHUNK"
            chunk_result "$1" "$HTTP_CODE"
            [ "$uc_failed" = 0 ] || break
        else
            drop_chunk_from_spool
        fi
        clock
        if [ "$NOW" -ge "$NEXT_SAMPLE" ] && [ -s "$SP_FILE" ]; then
            UPLOAD_PENDING=1
            break
        fi
    done
    spool_store
}

hello_result() {
    LAST_UPLOAD_STATUS=$1
    case $1 in
        2??)
            HELLO_OK=1
            log "hello acknowledged ($1)"
            ;;
        410) retire ;;
        *)
            uc_hello_failed=1
            log "hello failed (HTTP $1); will retry"
            [ "$1" = 000 ] && uc_unreached=1
            ;;
    esac
}

# The cycle's first requests in one curl run: the hello (until acknowledged)
# and the first chunk of each spool.  A spool's further chunks (a backlog)
# follow one per run.  Returns 1 when curl cannot (nothing sent).
upload_batch() {
    set --
    ub_hello=
    ub_metrics=
    ub_sockets=
    ub_n=0
    if [ "$HELLO_OK" != 1 ]; then
        set -- "$@" "$PM_URL/api/v1/hello" application/json "$HELLO_FILE"
        ub_n=$((ub_n + 1))
        ub_hello=$ub_n
    fi
    for ub_kind in metrics sockets; do
        spool_select "$ub_kind"
        # malformed lines only, or an unreadable spool: the pass after the
        # batch drops or reports them
        [ -s "$SP_FILE" ] || continue
        make_chunk || continue
        [ "$CH_GOOD" -gt 0 ] || continue
        ub_n=$((ub_n + 1))
        set -- "$@" "$PM_URL/api/v1/$ub_kind" text/plain "$SP_CHUNK"
        if [ "$ub_kind" = metrics ]; then
            ub_metrics=$ub_n
            UB_M="$CH_LINES $CH_BYTES $CH_GOOD $CH_BAD $CH_MORE"
        else
            ub_sockets=$ub_n
            UB_S="$CH_LINES $CH_BYTES $CH_GOOD $CH_BAD $CH_MORE"
        fi
    done
    [ "$ub_n" -gt 0 ] || return 0
    clock
    LAST_UPLOAD_AT=$NOW
    http_post_batch "$@" || return 1
    if [ "$BC_1$BC_2$BC_3" = 000000000 ]; then
        # no answer at all: the hello's failure says so; the chunks stay
        if [ -n "$ub_hello" ]; then
            hello_result 000
        else
            LAST_UPLOAD_STATUS=000
            uc_unreached=1
        fi
        return 0
    fi
    if [ -n "$ub_hello" ]; then
        batch_code "$ub_hello"
        hello_result "$C"
    fi
    [ -n "$ub_metrics" ] && batch_chunk_result metrics "$ub_metrics" "$UB_M"
    [ -n "$ub_sockets" ] && batch_chunk_result sockets "$ub_sockets" "$UB_S"
    return 0
}

# The answer to spool $1's chunk, request $2 of the batch; $3 is what
# make_chunk said of it (lines, bytes, good, bad, more).
batch_chunk_result() {
    spool_select "$1"
    # shellcheck disable=SC2086  # five numbers
    set -- "$1" "$2" $3
    CH_LINES=$3 CH_BYTES=$4 CH_GOOD=$5 CH_BAD=$6 CH_MORE=$7
    batch_code "$2"
    chunk_result "$1" "$C"
}

# One upload cycle: hello (until acknowledged), then the samples spool, then
# the sockets spool, chunk by chunk.  With a large backlog it returns early
# when a sample is due and sets UPLOAD_PENDING, so sampling keeps its cadence.
upload_cycle() {
    UPLOAD_PENDING=0
    if [ "$HTTP_CLIENT" = none ] || [ "$TLS_MODE" = blocked ]; then
        # nothing to upload with (or nothing that can verify the appliance):
        # keep sampling into the spool, look again next period
        NEXT_UPLOAD=$((NOW + PM_UPLOAD_S))
        return 0
    fi
    uc_failed=0
    uc_hello_failed=0
    uc_unreached=
    uc_sent=0
    uc_batched=
    if [ "$HTTP_CLIENT" = curl ] && [ "$CURL_NEXT" != no ]; then
        upload_batch && uc_batched=1
    fi
    if [ -z "$uc_batched" ] && [ "$HELLO_OK" != 1 ]; then
        LAST_UPLOAD_AT=$NOW
        http_post "$PM_URL/api/v1/hello" application/json "$HELLO_FILE"
        hello_result "$HTTP_CODE"
    fi
    if [ -n "$uc_unreached" ]; then
        # No HTTP answer at all (nothing listening, no route, TLS refused): the
        # spools would fail the same way, for a client start each; they wait.
        uc_failed=1
        log "appliance not reached; keeping $SPOOL_BYTES + $SOCK_BYTES spooled bytes (samples + sockets)"
    elif [ "$uc_failed" = 0 ]; then
        # what the batch left (a backlog), or everything without one
        upload_spool metrics
        [ "$uc_failed" = 0 ] && [ "$UPLOAD_PENDING" = 0 ] && upload_spool sockets
    fi
    [ "$uc_sent" -gt 0 ] && log "uploaded $uc_sent lines"
    clock
    if [ "$uc_failed" = 1 ] || { [ "$uc_hello_failed" = 1 ] && [ "$uc_sent" = 0 ]; }; then
        UPLOAD_PENDING=0
        UPLOAD_PERIOD=$((UPLOAD_PERIOD * 2))
        uc_max=$PM_BACKOFF_MAX_S
        [ "$PM_UPLOAD_S" -gt "$uc_max" ] && uc_max=$PM_UPLOAD_S
        [ "$UPLOAD_PERIOD" -gt "$uc_max" ] && UPLOAD_PERIOD=$uc_max
        log "next upload attempt in ${UPLOAD_PERIOD}s"
    else
        UPLOAD_PERIOD=$PM_UPLOAD_S
    fi
    NEXT_UPLOAD=$((NOW + UPLOAD_PERIOD))
}

rotate_log() {
    file_size "$LOG"
    [ "$N" -gt "$PM_LOG_MAX_BYTES" ] || return 0
    mv -f "$LOG" "$LOG.1"
    exec >>"$LOG" 2>&1
    log "log rotated"
}

# ============================================================================
# Tools folder check
# ============================================================================
# The folder lives where every local user may create names (/var/tmp): a
# directory planted there by someone else, or a link to a directory of ours,
# would get our spool, token and log.  Run only from a real directory owned
# by this user and writable by no one else, whose parent is a real directory
# owned by this user or root and writable by no one else (a root-owned sticky
# parent like /var/tmp excepted).  Nothing is written into a folder that fails
# (docs/tools-folders.md).

# tf_judge PATH tools|parent [LINE]: fails with TF_WHY set when PATH is unsafe;
# sets TF_INO to its inode.  LINE is PATH's ls -ldin line when it was listed
# already.
tf_judge() {
    tf_p=$1
    tf_role=$2
    set -f
    if [ $# -ge 3 ]; then
        # shellcheck disable=SC2086  # split on purpose: ls -ldin's fields
        set -- $3
    else
        # shellcheck disable=SC2046
        set -- $(ls -ldin "$tf_p" 2>/dev/null)
    fi
    set +f
    TF_INO=${1:-?}
    tf_mode=${2:-?}
    tf_uid=${4:-?}
    TF_WHY=
    case $tf_mode in
        d*) ;;
        l*) TF_WHY='a symbolic link' ;;
        *) TF_WHY='not a directory' ;;
    esac
    if [ -z "$TF_WHY" ] && [ "$tf_uid" != "$tf_me" ]; then
        if [ "$tf_role" = tools ] || [ "$tf_uid" != 0 ]; then
            TF_WHY="not owned by this user (uid $tf_me)"
        fi
    fi
    if [ -z "$TF_WHY" ]; then
        case $tf_mode in
            ?????w* | ????????w*)
                case $tf_role$tf_uid$tf_mode in
                    parent0?????????[tT]*) ;;
                    *) TF_WHY='writable by other users' ;;
                esac
                ;;
        esac
    fi
    [ -z "$TF_WHY" ] && return 0
    TF_WHY="$tf_p: owner uid $tf_uid, mode $tf_mode: $TF_WHY"
    return 1
}

# Checks PM_TOOLS_DIR and its parent, creates the folder (mode 700) when only
# it is missing, and enters it; fails with TF_WHY set.
tools_dir_safe() {
    case $PM_TOOLS_DIR in
        /*) ;;
        *) PM_TOOLS_DIR=$(pwd -P)/$PM_TOOLS_DIR ;;
    esac
    while :; do
        case $PM_TOOLS_DIR in
            ?*/) PM_TOOLS_DIR=${PM_TOOLS_DIR%/} ;;
            *) break ;;
        esac
    done
    # The effective uid without a fork where /proc answers (Uid: real
    # effective saved fs).
    tf_me=
    if [ -r /proc/self/status ]; then
        # shellcheck disable=SC2034  # tf_r, tf_x: the other fields
        while read -r tf_k tf_r tf_e tf_x; do
            case $tf_k in Uid:) tf_me=$tf_e && break ;; esac
        done </proc/self/status
    fi
    case $tf_me in '' | *[!0-9]*) tf_me=$(id -u) ;; esac
    tf_parent=${PM_TOOLS_DIR%/*}
    [ -n "$tf_parent" ] || tf_parent=/
    # the inode of the directory entered, once the folder passed
    tf_here=
    if [ -d "$PM_TOOLS_DIR" ] && [ ! -L "$PM_TOOLS_DIR" ] && cd -P "$PM_TOOLS_DIR" 2>/dev/null; then
        # The usual case, the deploy made the folder: entered first, then the
        # directory entered, the parent and the folder in one ls, the only
        # fork.  In the C locale "." sorts first and the parent, a prefix of
        # the folder's path, before the folder.  All three at once: the parent
        # passes only if no one but this user or root can rename what is in
        # it, so the folder judged is the one entered when its inode is ".".
        tf_three=$(LC_ALL=C ls -ldin . "$tf_parent" "$PM_TOOLS_DIR" 2>/dev/null)
        tf_dot=${tf_three%%"$NL"*}
        tf_rest=${tf_three#*"$NL"}
        case $tf_dot in
            *' .') ;;
            *) tf_rest= ;;
        esac
        case $tf_rest in
            *"$NL"*)
                tf_judge "$tf_parent" parent "${tf_rest%%"$NL"*}" || return 1
                tf_judge "$PM_TOOLS_DIR" tools "${tf_rest#*"$NL"}" || return 1
                tf_here=${tf_dot%% *}
                ;;
        esac
    fi
    if [ -z "$tf_here" ]; then
        # not the three lines expected (or no folder yet): the checks one by one
        tf_judge "$tf_parent" parent || return 1
        if [ ! -e "$PM_TOOLS_DIR" ] && [ ! -L "$PM_TOOLS_DIR" ]; then
            mkdir -m 700 "$PM_TOOLS_DIR" 2>/dev/null
        fi
        tf_judge "$PM_TOOLS_DIR" tools || return 1
        if ! cd -P "$PM_TOOLS_DIR" 2>/dev/null; then
            TF_WHY="$PM_TOOLS_DIR: cannot be entered"
            return 1
        fi
        set -f
        # shellcheck disable=SC2046
        set -- $(ls -ldin . 2>/dev/null)
        set +f
        tf_here=${1:-}
    fi
    # what was judged is where we are: nothing swapped in between
    if [ "$tf_here" != "$TF_INO" ]; then
        TF_WHY="$PM_TOOLS_DIR: changed while it was checked"
        return 1
    fi
    return 0
}

# ============================================================================
# Main loop
# ============================================================================

main() {
    if [ -z "$PM_TOOLS_DIR" ] || ! tools_dir_safe; then
        # not into the folder's log: writing there is what a planted folder wants
        echo "perfmetrics collector: refusing to run: ${TF_WHY:-no tools dir}" >&2
        if command -v logger >/dev/null 2>&1; then
            logger -t perfmetrics-collector "refusing to run: ${TF_WHY:-no tools dir}" 2>/dev/null
        fi
        exit 2
    fi
    # Relative from here on: every file is opened in the directory whose inode
    # was checked, so a rename of the folder (a link swapped in for it while
    # the collector runs) cannot redirect a write, not even the last state.
    PM_TOOLS_DIR=.
    PIDFILE=$PM_TOOLS_DIR/collector.pid
    STATE=$PM_TOOLS_DIR/collector.state
    SPOOL=$PM_TOOLS_DIR/spool.csv
    REJECTED=$PM_TOOLS_DIR/rejected.csv
    SOCK_SPOOL=$PM_TOOLS_DIR/sockets.csv
    SOCK_REJECTED=$PM_TOOLS_DIR/rejected-sockets.csv
    REJECTED_LINES=0
    LOG=$PM_TOOLS_DIR/collector.log
    HELLO_FILE=$PM_TOOLS_DIR/hello.json
    AUTH_FILE=$PM_TOOLS_DIR/.auth
    RESP_FILE=$PM_TOOLS_DIR/.http.out
    ERR_FILE=$PM_TOOLS_DIR/.http.err
    CA_FILE=$PM_TOOLS_DIR/ca.pem
    CA_DIR=$PM_TOOLS_DIR/ca.d
    CHUNK_FILE=$PM_TOOLS_DIR/.chunk
    SOCK_CHUNK_FILE=$PM_TOOLS_DIR/.chunk-sockets
    STATS_FILE=$PM_TOOLS_DIR/.stats
    DF_FILE=$PM_TOOLS_DIR/.df
    CLOUD_FILE=$PM_TOOLS_DIR/.cloud

    # Started with stdout/stderr on /dev/null: everything goes to the log.
    exec </dev/null >>"$LOG" 2>&1

    HAVE_UPTIME=
    [ -r /proc/uptime ] && HAVE_UPTIME=1
    HAVE_SYSBLOCK=
    [ -d /sys/block ] && HAVE_SYSBLOCK=1
    anchor_clock
    ANCHORED_AT_START=1
    # Fractional sleep is not POSIX, but GNU, busybox and toybox sleep have
    # it; a sleep that refuses one fails at once and the loop goes on with
    # whole seconds (no probe, a fork, at start).
    FRAC_SLEEP=
    [ -n "$HAVE_UPTIME" ] && FRAC_SLEEP=1

    pm_bad=
    if to_int "$PM_INTERVAL_S" && [ "$N" -ge 1 ]; then PM_INTERVAL_S=$N; else pm_bad="$pm_bad INTERVAL_S"; fi
    if to_int "$PM_UPLOAD_S" && [ "$N" -ge 1 ]; then PM_UPLOAD_S=$N; else pm_bad="$pm_bad UPLOAD_S"; fi
    if to_int "$PM_TTL_S"; then PM_TTL_S=$N; else pm_bad="$pm_bad TTL_S"; fi
    if to_int "$PM_SPOOL_MAX_BYTES" && [ "$N" -ge 1 ]; then PM_SPOOL_MAX_BYTES=$N; else pm_bad="$pm_bad SPOOL_MAX_BYTES"; fi
    if to_int "$PM_SOCKETS_S"; then PM_SOCKETS_S=$N; else pm_bad="$pm_bad SOCKETS_S"; fi
    if to_int "$PM_SOCKETS_MAX_ROWS" && [ "$N" -ge 1 ]; then PM_SOCKETS_MAX_ROWS=$N; else pm_bad="$pm_bad SOCKETS_MAX_ROWS"; fi
    case $PM_URL in
        http://?* | https://?*) PM_URL=${PM_URL%/} ;;
        *) pm_bad="$pm_bad URL" ;;
    esac
    case $PM_METADATA_URL in
        http://?*) PM_METADATA_URL=${PM_METADATA_URL%/} ;;
        *) pm_bad="$pm_bad METADATA_URL" ;;
    esac
    # A newline in the token could inject headers into the HTTP request.
    case $PM_TOKEN in
        '' | *[[:cntrl:]]*) pm_bad="$pm_bad TOKEN" ;;
    esac
    if [ -n "$pm_bad" ]; then
        log "invalid rendered parameters:$pm_bad; exiting"
        exit 2
    fi

    acquire_pidfile
    # A collector measures the workload; at nice 10 it yields the CPU to it (and, on a host that
    # starts many things at once, to sshd and the deploy) instead of competing. Best effort:
    # renice is POSIX but may be missing on a minimal image.
    renice -n 10 -p "$$" >/dev/null 2>&1 || log "renice failed; running at the default priority"
    # Linux with autogroup scheduling weighs sessions against each other and nice only counts
    # within one; the collector's session is its own (setsid), so the session's group gets nice
    # 10 as well. No fork: a builtin echo into /proc.
    if [ -w "/proc/$$/autogroup" ]; then
        { echo 10 >"/proc/$$/autogroup"; } 2>/dev/null || log "could not lower the session's autogroup priority"
    fi
    STOP_REASON=
    SLEEP_PID=
    trap on_exit EXIT
    trap 'on_signal 143' TERM
    trap 'on_signal 130' INT
    trap 'on_signal 129' HUP

    STARTED_AT=$NOW
    EXPIRES_AT=$((NOW + PM_TTL_S))
    SAMPLES=0
    DROPPED=0
    SOCK_DROPPED=0
    SOCK_BYTES=0
    SPOOL_BYTES=0
    SNAPSHOTS=0
    LAST_SNAP_TS=
    LAST_SNAP_DROPPED=
    SOCKETS_ON=
    SOCK_UNAVAIL=
    LAST_TS=
    LAST_UPLOAD_AT=
    LAST_UPLOAD_STATUS=
    LAST_UPLOAD_OK_AT=
    HELLO_OK=0
    UPLOAD_PERIOD=$PM_UPLOAD_S
    UPLOAD_PENDING=0
    HTTP_CLIENT=
    CURL_NEXT=
    TLS_MODE=
    TLS_ERROR=
    CLOUD_PROVIDER=
    P_UP_CS=
    P_DEVS=
    DEVS_CAPPED=
    VOLUMES=
    ID_CACHE=
    ID_CACHE_N=0
    load_previous_state
    # Readers over SSH must not see the previous run's "stopped" meanwhile.  A
    # first start has no previous state to hide: its state is written before
    # the loop, a fork (mv) less on a host that is being deployed.
    [ -e "$STATE" ] && write_state running
    log "starting collector v$PM_VERSION (interval ${PM_INTERVAL_S}s, upload ${PM_UPLOAD_S}s, sockets ${PM_SOCKETS_S}s, expires at $EXPIRES_AT)"

    detect_http_client
    setup_tls
    write_auth_file
    for mn_kind in metrics sockets; do
        spool_select "$mn_kind"
        spool_repair
        spool_enforce_cap
        spool_store
    done
    sockets_init

    # The first sample primes the rate counters and tells which metrics this
    # host can provide, which the hello reports.
    take_sample
    NEXT_SAMPLE=$((TS + PM_INTERVAL_S))
    detect_cloud
    build_hello
    log "cloud: ${CLOUD_PROVIDER:-none}"
    # After the hello, so the first upload is not held up by it.
    NEXT_SOCKETS=
    if [ -n "$SOCKETS_ON" ]; then
        take_snapshot
        NEXT_SOCKETS=$((SK_TS + PM_SOCKETS_S))
    fi
    NEXT_UPLOAD=$NOW
    write_state running

    while :; do
        clock
        if [ "$NOW" -ge "$EXPIRES_AT" ]; then
            log "TTL reached; flushing the spool once before exiting"
            upload_cycle
            STOP_REASON=expired
            exit 0
        fi
        if [ "$NOW" -ge "$NEXT_SAMPLE" ]; then
            take_sample
            NEXT_SAMPLE=$((NEXT_SAMPLE + PM_INTERVAL_S))
            # After a long stall, resume the cadence instead of bursting.
            [ "$NEXT_SAMPLE" -le "$NOW" ] && NEXT_SAMPLE=$((NOW + PM_INTERVAL_S))
        fi
        if [ -n "$NEXT_SOCKETS" ] && [ "$NOW" -ge "$NEXT_SOCKETS" ]; then
            take_snapshot
            NEXT_SOCKETS=$((NEXT_SOCKETS + PM_SOCKETS_S))
            [ "$NEXT_SOCKETS" -le "$NOW" ] && NEXT_SOCKETS=$((NOW + PM_SOCKETS_S))
        fi
        if [ "$UPLOAD_PENDING" = 1 ] || [ "$NOW" -ge "$NEXT_UPLOAD" ]; then
            recheck_clock
            upload_cycle
            rotate_log
            write_state running
        fi
        [ "$UPLOAD_PENDING" = 1 ] && continue
        clock
        mn_wake=$NEXT_SAMPLE
        [ "$NEXT_UPLOAD" -lt "$mn_wake" ] && mn_wake=$NEXT_UPLOAD
        [ -n "$NEXT_SOCKETS" ] && [ "$NEXT_SOCKETS" -lt "$mn_wake" ] && mn_wake=$NEXT_SOCKETS
        [ "$EXPIRES_AT" -lt "$mn_wake" ] && mn_wake=$EXPIRES_AT
        [ "$mn_wake" -gt "$NOW" ] || continue
        if [ -n "$FRAC_SLEEP" ]; then
            # Wake just after the second boundary: integer sleeps would let
            # the phase creep until two samples land a few ms apart.
            fmt2 $((UP0_CS + (mn_wake - EPOCH0) * 100 + 3 - UP_CS))
            mn_wait=$F
        else
            mn_wait=$((mn_wake - NOW))
        fi
        # Background + wait: a TERM is handled at once, not after the sleep.
        if [ -n "$FRAC_SLEEP" ]; then
            sleep "$mn_wait" 2>/dev/null &
        else
            sleep "$mn_wait" &
        fi
        SLEEP_PID=$!
        wait "$SLEEP_PID"
        mn_rc=$?
        SLEEP_PID=
        if [ "$mn_rc" != 0 ] && [ -n "$FRAC_SLEEP" ]; then
            FRAC_SLEEP=
            log "sleep $mn_wait failed (exit $mn_rc): sleeping whole seconds from now on"
        fi
    done
}

main "$@"
