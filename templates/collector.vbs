' perfmetrics collector, Windows Script Host (VBScript) edition.
'
' Deployed by the perfmetrics appliance over SMB into
' %WINDIR%\Temp\perfmetrics\tools and started detached by a one-shot service:
'   cscript //B //NoLogo collector.vbs
' It samples WMI every PM_INTERVAL_S seconds into a local spool and POSTs the
' spool to the appliance every PM_UPLOAD_S seconds.  It stops by itself after
' PM_TTL_S seconds, when the appliance answers 410, or when a file named
' collector.stop appears in the tools folder.  Same protocol (v1) and the same
' behaviour as collector.sh; see templates/README-collector-vbs.md for the
' host-side contract.
'
' Written for Windows Script Host 5.6 and later (Windows Server 2003 on), and
' kept runnable under Wine's cscript, which lacks WScript.Sleep, the
' performance-counter WMI classes and HTTP timeouts: each such gap either has a
' fallback or makes the affected metric "unavailable"; none stops the collector.
Option Explicit

' ============================================================================
' Parameters
' ============================================================================
' The appliance replaces every placeholder below with a VBScript string
' literal: the value in double quotes with each embedded " doubled (values
' never hold line breaks).  Nothing inside such a literal can end it, so no
' rendered value can run as code.  Numbers therefore arrive as strings ("60");
' Main validates and converts them before use.
Dim PM_URL, PM_TOKEN, PM_INTERVAL_S, PM_UPLOAD_S, PM_TTL_S, PM_SPOOL_MAX_BYTES, PM_METADATA_URL, PM_TOOLS_DIR
Dim PM_SOCKETS_S, PM_SOCKETS_MAX_ROWS, PM_CA_PEM
' ---- BEGIN RENDERED PARAMETERS (replaced at deploy; each value is a VBScript string literal) ----
PM_URL = {{URL}}
PM_TOKEN = {{TOKEN}}
PM_INTERVAL_S = {{INTERVAL_S}}
PM_UPLOAD_S = {{UPLOAD_S}}
PM_TTL_S = {{TTL_S}}
PM_SPOOL_MAX_BYTES = {{SPOOL_MAX_BYTES}}
PM_METADATA_URL = {{METADATA_URL}}
PM_TOOLS_DIR = {{TOOLS_DIR}}
PM_SOCKETS_S = {{SOCKETS_S}}
PM_SOCKETS_MAX_ROWS = {{SOCKETS_MAX_ROWS}}
PM_CA_PEM = {{CA_PEM}}
' ---- END RENDERED PARAMETERS ----

Const PM_VERSION = "1"
' The receiver rejects bodies over 1 MiB; stay well below it.
Const CHUNK_MAX_BYTES = 921600
' Upper bound for the upload back-off after failures.
Const BACKOFF_MAX_S = 1800
' The log is rotated once (to collector.log.1) when it grows past this.
Const LOG_MAX_BYTES = 1048576
' A socket snapshot never exceeds this, so it always fits one upload chunk.
Const SNAP_MAX_BYTES = 917504
' A cloud identity document larger than this is not embedded in the hello.
Const CLOUD_DOC_MAX_BYTES = 262144
' Per-disk and per-volume series are capped per host (the totals are not):
' every name is a metric the appliance keeps fleet-wide.
Const DEVICES_MAX = 64
Const VOLUMES_MAX = 64
' FileSystemObject open modes.
Const FOR_READING = 1
Const FOR_APPENDING = 8
' wbemFlagReturnImmediately + wbemFlagForwardOnly: cheapest way to read rows.
Const WQL_FLAGS = 48
' Every metric this collector can send (collector.spool_dropped_lines aside);
' the hello lists the ones this host cannot provide.
Const ALL_METRICS = "cpu.busy_pct cpu.count mem.total_bytes mem.available_bytes mem.used_bytes disk.read_bytes_per_s disk.write_bytes_per_s disk.read_ops_per_s disk.write_ops_per_s fs.capacity_bytes fs.used_bytes net.rx_bytes_per_s net.tx_bytes_per_s"

' Objects and paths.
Dim g_fso, g_shell, g_wmi, g_wmiStd, g_reLine, g_reUint, g_reDigits, g_reStatus, g_reNonAscii, g_reCtl
Dim g_reSnapHead, g_reSnapRow, g_reTextOk, g_reIPv4, g_reIPv6, g_reSpaces
Dim g_dir, g_pidfile, g_lockfile, g_statefile, g_logfile, g_hellofile, g_netstatOut
Dim g_noSecurityClass
Dim g_stopfile, g_authfile, g_chunkfile, g_respfile, g_cloudfile, g_pingExe
' Process and run state.
Dim g_pid, g_pidMethod, g_lock, g_haveLock, g_sleepMode, g_biasMin, g_biasSource, g_logged
Dim g_httpClient, g_httpProgId, g_curl, g_httpError, g_respText
Dim g_tlsMode, g_tlsError, g_cafile, g_errfile, g_curlExit
Dim STOP_REASON, STARTED_AT, EXPIRES_AT, SAMPLES, LAST_TS, NOW_S
Dim LAST_UPLOAD_AT, LAST_UPLOAD_STATUS, LAST_UPLOAD_OK_AT, HELLO_OK, HELLO_JSON
Dim UPLOAD_PERIOD, UPLOAD_PENDING, NEXT_SAMPLE, NEXT_UPLOAD, BUF, TS
' The two spools (see Spool): file, its rewrite file, its set-aside file for
' chunks refused with 400, the API path, a name for the log, and counters.
Const SP_METRICS = 0
Const SP_SOCKETS = 1
Dim SP_FILE(1), SP_TMP(1), SP_REJ(1), SP_API(1), SP_NAME(1), SP_BYTES(1), SP_DROPPED(1), SP_REJECTED(1)
' UploadSpool results.
Const UP_DONE = 0
Const UP_FAILED = 1
Const UP_PENDING = 2
Dim CLOUD_PROVIDER, CLOUD_DOC
Dim CH_LINES, CH_BYTES, CH_GOOD, CH_BAD, CH_MORE, CH_BODY
' Which metric sources answered at least once (for unavailable_metrics).
Dim CPU_BUSY_OK, CPU_COUNT_OK, MEMTOTAL_OK, MEMAVAIL_OK, DISK_OK, FS_OK, NET_OK
Dim CPU_COUNT, MEM_TOTAL_BYTES
' Socket snapshots (see Sockets).
Dim SOCK_SOURCE, SOCK_UNAVAIL, SNAPSHOTS, LAST_SNAP_TS, NEXT_SNAPSHOT
Dim g_lsn, g_lsnPorts, g_est, g_estN, g_pidName, g_pidSvc, g_pids, NS_NOPID, NS_LISTEN, NS_V6
' Previous raw counter readings for the rates.
Dim P_CPU_IDLE, P_CPU_T, P_CPU_N, P_DISK, P_DISK_T, P_NET, P_NET_T
' Per-disk raw counters of the previous sample (instance name -> Array of
' the four counters and the time), the disks and volumes last seen (for the
' hello), and the ids of names (see DeviceId).
Dim P_DEVS, g_diskNames, g_vols, g_ids

' ============================================================================
' Functions
' ============================================================================

' ---- small helpers ---------------------------------------------------------

' Text of the current error.  Read it before calling anything else: a
' procedure with its own On Error Resume Next resets Err when it returns.
Function ErrText()
    ErrText = "0x" & Hex(Err.Number) & " " & Trim(Replace(Replace(Err.Description, vbCr, " "), vbLf, " "))
End Function

Function NewRegExp(pattern)
    Dim re
    Set re = New RegExp
    re.Pattern = pattern
    re.IgnoreCase = False
    re.Global = False
    Set NewRegExp = re
End Function

' Decimal digits of an integral number, without exponent, grouping or
' locale: CStr prints up to 15 digits plainly, larger ones are split.
Function FmtInt(ByVal d)
    Dim sign, hi, lo
    d = Fix(CDbl(d))
    sign = ""
    If d < 0 Then
        sign = "-"
        d = -d
    End If
    If d < 1E+15 Then
        FmtInt = sign & CStr(d)
    Else
        hi = Fix(d / 1E+9)
        lo = d - hi * 1E+9
        If lo < 0 Then lo = 0
        FmtInt = sign & FmtInt(hi) & Right("000000000" & CStr(lo), 9)
    End If
End Function

' A value with two decimals and a '.' separator whatever the locale (CStr
' of a fraction would use the locale's separator).
Function Fmt2(x)
    Dim n, sign, ip, fp
    n = Round(CDbl(x) * 100)
    sign = ""
    If n < 0 Then
        sign = "-"
        n = -n
    End If
    ip = Fix(n / 100)
    fp = n - ip * 100
    Fmt2 = sign & FmtInt(ip) & "." & Right("0" & CStr(fp), 2)
End Function

' A rendered number: plain digits only (CLng/CDbl would accept " 1e3", "&H10").
Function ParseUInt(v, maxDigits)
    ParseUInt = Empty
    If Not g_reUint.Test(CStr(v)) Then Exit Function
    If Len(CStr(v)) > maxDigits Then Exit Function
    ParseUInt = CDbl(v)
End Function

' JSON string literal for v, or null when v is empty.  Everything outside
' printable ASCII is written as \uXXXX, so the hello is plain ASCII and no
' code page can garble it.
Function JStr(v)
    Dim s
    If IsNull(v) Or IsEmpty(v) Then
        JStr = "null"
        Exit Function
    End If
    s = CStr(v)
    If s = "" Then
        JStr = "null"
    Else
        JStr = """" & JEsc(s, True) & """"
    End If
End Function

' JSON escapes for s: with quotes, backslash and quote as \\ and \" and
' control characters as \u00XX (for a string literal); always every
' character above 0x7E as \uXXXX (valid anywhere inside a JSON string, and
' outside strings such characters cannot occur in valid JSON).  Built from
' Replace and RegExp only: Wine's VBScript has no AscW, ChrW or Join.
Function JEsc(ByVal s, quotes)
    Dim i, m, done
    If quotes Then
        s = Replace(s, "\", "\\")
        s = Replace(s, """", "\""")
        For i = 0 To 31
            If InStr(s, Chr(i)) > 0 Then s = Replace(s, Chr(i), "\u00" & Right("0" & LCase(Hex(i)), 2))
        Next
    End If
    If g_reNonAscii.Test(s) Then
        Set done = CreateObject("Scripting.Dictionary")
        For Each m In g_reNonAscii.Execute(s)
            If Not done.Exists(m.Value) Then
                done.Add m.Value, True
                s = Replace(s, m.Value, "\u" & Right("000" & LCase(Hex(UnicodeOf(m.Value))), 4))
            End If
        Next
    End If
    JEsc = s
End Function

' Code point of character c: AscW where it exists (Windows); Wine lacks it,
' and Asc (the ANSI code) is the closest it has.
Function UnicodeOf(c)
    Dim a
    On Error Resume Next
    a = AscW(c)
    If Err.Number <> 0 Then
        Err.Clear
        a = Asc(c)
    End If
    If a < 0 Then a = a + 65536
    UnicodeOf = a
End Function

' Concatenates the strings of arr (pairwise, so the cost stays n log n;
' Wine's VBScript has no Join).
Function JoinAll(arr, lo, hi)
    Dim half
    If hi < lo Then
        JoinAll = ""
    ElseIf hi = lo Then
        JoinAll = arr(lo)
    Else
        half = Int((lo + hi) / 2)
        JoinAll = JoinAll(arr, lo, half) & JoinAll(arr, half + 1, hi)
    End If
End Function

' Wine returns ExpandEnvironmentStrings' result with its terminating NUL.
Function Expand(s)
    Expand = Replace(g_shell.ExpandEnvironmentStrings(s), Chr(0), "")
End Function

Function ScriptHostVersion()
    ScriptHostVersion = ""
    On Error Resume Next
    ScriptHostVersion = CStr(WScript.Version)
    Err.Clear
End Function

Function FileSize(path)
    FileSize = 0
    On Error Resume Next
    If g_fso.FileExists(path) Then FileSize = CDbl(g_fso.GetFile(path).Size)
    Err.Clear
End Function

' Whole content of a text file ("" when missing or empty: ReadAll fails on
' an empty file).
Function ReadFileText(path)
    Dim ts
    ReadFileText = ""
    If Not g_fso.FileExists(path) Then Exit Function
    Set ts = g_fso.OpenTextFile(path, FOR_READING)
    If Not ts.AtEndOfStream Then ReadFileText = ts.ReadAll
    ts.Close
End Function

Function ReadFirstLine(path)
    Dim s, p
    ReadFirstLine = ""
    On Error Resume Next
    s = ReadFileText(path)
    Err.Clear
    p = InStr(s, vbLf)
    If p > 0 Then s = Left(s, p - 1)
    ReadFirstLine = Trim(Replace(s, vbCr, ""))
End Function

' Overwrites path with text (ASCII).
Sub WriteFileText(path, text)
    Dim ts
    Set ts = g_fso.CreateTextFile(path, True, False)
    ts.Write text
    ts.Close
End Sub

Sub DeleteQuietly(path)
    On Error Resume Next
    If g_fso.FileExists(path) Then g_fso.DeleteFile path, True
    Err.Clear
End Sub

Sub EnsureFolder(path)
    Dim parent
    If g_fso.FolderExists(path) Then Exit Sub
    parent = g_fso.GetParentFolderName(path)
    If parent <> "" And parent <> path Then EnsureFolder parent
    g_fso.CreateFolder path
End Sub

' True when path is a folder that is no reparse point (junction, symbolic
' link: attribute 1024, where FileSystemObject reports attributes: Windows, not
' Wine) and, where WMI answers Win32_LogicalFileSecuritySetting (Windows, not
' Wine), whose owner is SYSTEM, Administrators or this account.
Function FolderSafe(path)
    Dim f, attrs, wmi, setting, sd, rc, owner, net, acct, sid
    FolderSafe = False
    On Error Resume Next
    Set f = g_fso.GetFolder(path)
    If Err.Number <> 0 Then
        Err.Clear
        Exit Function
    End If
    ' read apart from the test: an error inside an If condition enters its Then
    attrs = f.Attributes
    If Err.Number <> 0 Then
        ' Wine's FileSystemObject has no folder attributes (error 445)
        Err.Clear
        attrs = 0
    End If
    If (attrs And 1024) <> 0 Then Exit Function
    If g_noSecurityClass = True Then
        FolderSafe = True
        Exit Function
    End If
    Set wmi = GetObject("winmgmts:{impersonationLevel=impersonate}!\\.\root\cimv2")
    If Err.Number = 0 Then Set setting = wmi.Get("Win32_LogicalFileSecuritySetting.Path='" & _
        Replace(Replace(path, "\", "\\"), "'", "\'") & "'")
    If Err.Number <> 0 Then
        ' no security class to ask (Wine): the reparse check and the deploy's own stand
        Err.Clear
        g_noSecurityClass = True
        FolderSafe = True
        Exit Function
    End If
    rc = setting.GetSecurityDescriptor(sd)
    If Err.Number <> 0 Or rc <> 0 Then
        Err.Clear
        Exit Function
    End If
    owner = sd.Owner.SIDString
    If owner = "S-1-5-18" Or owner = "S-1-5-32-544" Then
        FolderSafe = True
        Exit Function
    End If
    Set net = CreateObject("WScript.Network")
    Set acct = wmi.Get("Win32_UserAccount.Domain='" & Replace(net.UserDomain, "'", "\'") & _
        "',Name='" & Replace(net.UserName, "'", "\'") & "'")
    If Err.Number = 0 Then
        sid = acct.SID
        If Err.Number = 0 And sid = owner And owner <> "" Then FolderSafe = True
    End If
    Err.Clear
End Function

' ---- log -------------------------------------------------------------------
' Opened, appended and closed per message, so readers over SMB and the
' rotation never meet an open handle.  Never given the token.

Sub LogMsg(msg)
    Dim ts, t
    On Error Resume Next
    t = Int(EpochNow())
    Set ts = g_fso.OpenTextFile(g_logfile, FOR_APPENDING, True)
    ts.Write FmtInt(t) & " [" & g_pid & "] " & msg & vbCrLf
    ts.Close
    Err.Clear
End Sub

' Logs a message only the first time its key is seen: per-sample conditions
' would flood the log.
Sub LogOnce(key, msg)
    If g_logged.Exists(key) Then Exit Sub
    g_logged.Add key, True
    LogMsg msg
End Sub

Sub RotateLog()
    On Error Resume Next
    If FileSize(g_logfile) > LOG_MAX_BYTES Then
        DeleteQuietly g_logfile & ".1"
        g_fso.MoveFile g_logfile, g_logfile & ".1"
        Err.Clear
        LogMsg "log rotated"
    End If
    Err.Clear
End Sub

' ---- clock -----------------------------------------------------------------
' VBScript only knows local time.  UTC epoch seconds = local Date + Timer
' (fractional seconds since local midnight) + the active time-zone bias.  The
' bias comes from the registry (ActiveTimeBias, minutes, UTC = local + bias,
' DST included) or, where that is missing (Wine), from WMI
' Win32_OperatingSystem.CurrentTimeZone (minutes east of UTC, UTC = local -
' CurrentTimeZone).  It is re-read before every sample, so a DST change is
' followed at once.

Function EpochNow()
    Dim d1, t, d2, i
    ' Date and Timer are separate reads: retry if midnight fell between them.
    For i = 1 To 3
        d1 = Date
        t = Timer
        d2 = Date
        If d1 = d2 Then Exit For
    Next
    ' 25569 = CDbl(#1970-01-01#).
    EpochNow = (CDbl(d2) - 25569) * 86400 + t + g_biasMin * 60
End Function

Sub RefreshBias()
    Dim v, rows, row
    On Error Resume Next
    v = g_shell.RegRead("HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation\ActiveTimeBias")
    If Err.Number = 0 And IsNumeric(v) Then
        v = CDbl(v)
        ' A REG_DWORD may come back unsigned: -60 as 4294967236.
        If v > 2147483647 Then v = v - 4294967296
        If Abs(v) <= 1440 Then
            g_biasMin = v
            g_biasSource = "registry"
            Exit Sub
        End If
    End If
    Err.Clear
    ' (Wine's VBScript silently yields Empty for a(i)(j): index one step at a time.)
    rows = WmiRows("SELECT * FROM Win32_OperatingSystem", "CurrentTimeZone")
    If UBound(rows) >= 0 Then
        Set row = rows(0)
        If row.Exists("CurrentTimeZone") Then
            v = row.Item("CurrentTimeZone")
            If IsNumeric(v) And Not IsEmpty(v) And Not IsNull(v) Then
                v = CDbl(v)
                If Abs(v) <= 1440 Then
                    g_biasMin = -v
                    g_biasSource = "wmi"
                    Exit Sub
                End If
            End If
        End If
    End If
    Err.Clear
    If IsEmpty(g_biasMin) Then
        g_biasMin = 0
        g_biasSource = "none"
        LogOnce "tz", "no time-zone bias found (registry nor WMI); assuming local time is UTC"
    End If
End Sub

' ---- sleeping --------------------------------------------------------------
' WScript.Sleep where it works (every Windows).  Wine 8's cscript does not
' implement it; there PING.EXE -n k+1 127.0.0.1 waits k whole seconds (plus
' the time to start a process), and PING.EXE -n 1 is a short tick.

Sub DetectSleep()
    g_sleepMode = "wsh"
    On Error Resume Next
    WScript.Sleep 1
    If Err.Number <> 0 Then g_sleepMode = "ping"
    Err.Clear
End Sub

' Waits k seconds with PING.EXE (k = 0: one short tick).
Sub PingWait(k)
    Dim rc, e
    On Error Resume Next
    rc = g_shell.Run("""" & g_pingExe & """ -n " & (k + 1) & " 127.0.0.1", 0, True)
    If Err.Number <> 0 Then
        e = ErrText()
        Err.Clear
        LogMsg "cannot wait: WScript.Sleep unsupported and PING.EXE failed (" & e & "); exiting"
        Finish "error", 1
    End If
End Sub

Sub SleepMs(ms)
    If ms <= 0 Then Exit Sub
    If g_sleepMode = "wsh" Then
        WScript.Sleep CLng(ms)
    Else
        PingWait Int(ms / 1000)
    End If
End Sub

' Sleeps until epoch second `wake`, in slices so that a stop request is seen
' promptly (1 s with WScript.Sleep, 5 s with PING.EXE).  True when a stop was
' requested.  With WScript.Sleep it wakes 30 ms after the second boundary.
' With PING.EXE it only aims at the right second: waking anywhere within it
' gives the same timestamp, and PING's overshoot (0.05 to 0.4 s) would
' otherwise push each wake a little later until a second is skipped.  So it
' waits one second less when the current second is already 0.6 s old, and
' short ticks close a remaining gap.
Function SleepUntil(wake)
    Dim tNow, remaining, k
    SleepUntil = False
    Do
        If g_fso.FileExists(g_stopfile) Then
            SleepUntil = True
            Exit Function
        End If
        tNow = EpochNow()
        remaining = wake - tNow
        If remaining <= 0 Then Exit Function
        If g_sleepMode = "wsh" Then
            If remaining > 1 Then
                WScript.Sleep 1000
            Else
                WScript.Sleep CLng(remaining * 1000) + 30
            End If
        ElseIf remaining > 5 Then
            PingWait 5
        Else
            k = Int(wake) - Int(tNow)
            If tNow - Int(tNow) >= 0.6 Then k = k - 1
            If k < 0 Then k = 0
            PingWait k
        End If
    Loop
End Function

' ---- WMI -------------------------------------------------------------------

Sub WmiConnect()
    On Error Resume Next
    Set g_wmi = Nothing
    Set g_wmi = GetObject("winmgmts:{impersonationLevel=impersonate}!\\.\root\cimv2")
    If Err.Number <> 0 Then
        LogMsg "WMI unavailable (" & ErrText() & "); WMI metrics will be unavailable"
        Set g_wmi = Nothing
    End If
    Err.Clear
End Sub

' Runs a WQL query and returns an array with one Scripting.Dictionary per
' row, holding those of the comma-separated properties the row has (a
' property the class lacks, as in Wine, is simply absent).  A missing class,
' a failed query or no rows all give an empty array: the caller then treats
' the metric as unavailable.
Function WmiRows(wql, props)
    WmiRows = WmiRowsOn(g_wmi, wql, props)
End Function

' WmiRows on another WMI namespace (svc: its connection, or Nothing).
Function WmiRowsOn(svc, wql, props)
    Dim out, col, o, d, names, i, v, n
    out = Array()
    WmiRowsOn = out
    If svc Is Nothing Then Exit Function
    names = Split(props, ",")
    n = 0
    On Error Resume Next
    Set col = svc.ExecQuery(wql, "WQL", WQL_FLAGS)
    If Err.Number <> 0 Then
        Err.Clear
        Exit Function
    End If
    For Each o In col
        ' An error in the For Each line itself resumes here, inside the loop.
        If Err.Number <> 0 Then Exit For
        Set d = CreateObject("Scripting.Dictionary")
        For i = 0 To UBound(names)
            v = Empty
            v = o.Properties_.Item(names(i)).Value
            If Err.Number = 0 Then
                d.Add names(i), v
            End If
            Err.Clear
        Next
        ReDim Preserve out(n)
        Set out(n) = d
        n = n + 1
    Next
    Err.Clear
    WmiRowsOn = out
End Function

' Property key of row d as a number, or Empty when missing, null or not a
' plain unsigned integer (WMI gives uint64 values as strings).
Function NumVal(d, key)
    Dim v
    NumVal = Empty
    If Not d.Exists(key) Then Exit Function
    v = d(key)
    If IsNull(v) Or IsEmpty(v) Or IsArray(v) Or IsObject(v) Then Exit Function
    v = Trim(CStr(v))
    If Not g_reUint.Test(v) Then Exit Function
    NumVal = CDbl(v)
End Function

Function StrVal(d, key)
    Dim v
    StrVal = ""
    If Not d.Exists(key) Then Exit Function
    v = d(key)
    If IsNull(v) Or IsEmpty(v) Or IsArray(v) Or IsObject(v) Then Exit Function
    StrVal = Trim(CStr(v))
End Function

' ---- single instance, state, cleanup ---------------------------------------
' collector.lock is held open (FileSystemObject opens for writing without
' write sharing) for the whole run: a second start cannot open it and exits
' at once.  Windows releases it even if the process is killed, so it can never
' go stale.  collector.pid records the PID for status readers.

' Own PID: VBScript has no call for it.  Start a short-lived child (PING.EXE,
' which would end by itself within 5 s) and read the child's ParentProcessId
' from Win32_Process; the child is terminated right after.  Fallback: the one
' script host whose command line names this script.
Function FindOwnPid()
    Dim ex, rows, ppid, childPid, i, cands, nm, cl
    FindOwnPid = ""
    On Error Resume Next
    Set ex = g_shell.Exec("""" & g_pingExe & """ -n 6 127.0.0.1")
    If Err.Number = 0 Then
        childPid = ex.ProcessID
        rows = WmiRows("SELECT * FROM Win32_Process WHERE ProcessId = " & CLng(childPid), "ParentProcessId")
        If UBound(rows) >= 0 Then ppid = NumVal(rows(0), "ParentProcessId")
        ex.Terminate
        Err.Clear
        If Not IsEmpty(ppid) Then
            rows = WmiRows("SELECT * FROM Win32_Process WHERE ProcessId = " & FmtInt(ppid), "Name")
            If UBound(rows) >= 0 Then
                nm = LCase(StrVal(rows(0), "Name"))
                If nm = "cscript.exe" Or nm = "wscript.exe" Then
                    g_pidMethod = "exec-parent"
                    FindOwnPid = FmtInt(ppid)
                    Exit Function
                End If
            End If
        End If
    End If
    Err.Clear
    rows = WmiRows("SELECT * FROM Win32_Process WHERE Name = 'cscript.exe' OR Name = 'wscript.exe'", "ProcessId,CommandLine")
    cands = ""
    For i = 0 To UBound(rows)
        cl = LCase(StrVal(rows(i), "CommandLine"))
        If InStr(cl, LCase(WScript.ScriptName)) > 0 Then
            If cands = "" Then
                cands = FmtInt(NumVal(rows(i), "ProcessId"))
            Else
                cands = "ambiguous"
            End If
        End If
    Next
    Err.Clear
    If cands <> "" And cands <> "ambiguous" Then
        g_pidMethod = "command-line"
        FindOwnPid = cands
    End If
End Function

' True when pid is alive and is a script host running a collector.vbs.
Function IsCollectorPid(pid)
    Dim rows, nm, cl
    IsCollectorPid = False
    If IsEmpty(ParseUInt(pid, 10)) Then Exit Function
    If CStr(pid) = CStr(g_pid) Then Exit Function
    rows = WmiRows("SELECT * FROM Win32_Process WHERE ProcessId = " & pid, "Name,CommandLine")
    If UBound(rows) < 0 Then Exit Function
    nm = LCase(StrVal(rows(0), "Name"))
    If nm <> "cscript.exe" And nm <> "wscript.exe" Then Exit Function
    cl = LCase(StrVal(rows(0), "CommandLine"))
    ' CommandLine is null for a process we may not inspect: trust the name.
    IsCollectorPid = (cl = "" Or InStr(cl, "collector.vbs") > 0)
End Function

Function TryLock()
    TryLock = False
    On Error Resume Next
    Set g_lock = g_fso.OpenTextFile(g_lockfile, FOR_APPENDING, True)
    If Err.Number = 0 Then TryLock = True
    Err.Clear
End Function

Sub AcquireInstance()
    Dim other, try
    For try = 1 To 3
        If TryLock() Then Exit For
        other = ReadFirstLine(g_pidfile)
        If IsCollectorPid(other) Then
            LogMsg "another collector is running (pid " & other & "); exiting"
            WScript.Quit 0
        End If
        If try = 3 Then
            ' Held by something that is not a live collector we can see: a
            ' collector still starting up, or a folder we cannot write.
            LogMsg "collector.lock is held or cannot be created (pidfile: " & other & "); exiting"
            WScript.Quit 1
        End If
        SleepMs 1000
    Next
    g_pid = FindOwnPid()
    If g_pid = "" Then
        g_pidMethod = "none"
        LogMsg "cannot determine own PID (WMI Win32_Process); pidfile will say 0"
        g_pid = "0"
    End If
    ' Belt and braces: should a file system share the lock after all, the
    ' pidfile of a live collector still keeps this start from running.
    other = ReadFirstLine(g_pidfile)
    If IsCollectorPid(other) Then
        LogMsg "another collector is running (pid " & other & "); exiting"
        g_lock.Close
        WScript.Quit 0
    End If
    g_haveLock = True
    If other <> "" And other <> g_pid Then LogMsg "replacing stale pidfile (pid " & other & ")"
    WriteFileText g_pidfile, g_pid & vbLf
End Sub

Sub LoadPreviousState()
    Dim lines, i, p, k, v
    On Error Resume Next
    lines = Split(Replace(ReadFileText(g_statefile), vbCr, ""), vbLf)
    For i = 0 To UBound(lines)
        p = InStr(lines(i), "=")
        If p > 0 Then
            k = Left(lines(i), p - 1)
            v = Mid(lines(i), p + 1)
            If k = "spool_dropped_lines" And Not IsEmpty(ParseUInt(v, 15)) Then SP_DROPPED(SP_METRICS) = CDbl(v)
            If k = "sockets_spool_dropped_lines" And Not IsEmpty(ParseUInt(v, 15)) Then SP_DROPPED(SP_SOCKETS) = CDbl(v)
        End If
    Next
    Err.Clear
End Sub

' Status for readers over SMB: key=value lines (LF), written to a temporary
' file and copied over the old one, so a reader never sees a missing file.
Sub WriteState(status)
    Dim s, tmp
    If Not g_haveLock Then Exit Sub
    s = "status=" & status & vbLf & _
        "stop_reason=" & STOP_REASON & vbLf & _
        "pid=" & g_pid & vbLf & _
        "pid_method=" & g_pidMethod & vbLf & _
        "version=" & PM_VERSION & vbLf & _
        "kind=vbs" & vbLf & _
        "started_at=" & STARTED_AT & vbLf & _
        "expires_at=" & EXPIRES_AT & vbLf & _
        "interval_s=" & PM_INTERVAL_S & vbLf & _
        "upload_s=" & PM_UPLOAD_S & vbLf & _
        "upload_period_s=" & UPLOAD_PERIOD & vbLf & _
        "http_client=" & g_httpClient & vbLf & _
        "tls=" & g_tlsMode & vbLf & _
        "tls_error=" & g_tlsError & vbLf & _
        "sleep=" & g_sleepMode & vbLf & _
        "tz_bias_min=" & g_biasMin & vbLf & _
        "tz_bias_source=" & g_biasSource & vbLf & _
        "hello_ok=" & HELLO_OK & vbLf & _
        "samples=" & SAMPLES & vbLf & _
        "last_sample_at=" & LAST_TS & vbLf & _
        "last_upload_at=" & LAST_UPLOAD_AT & vbLf & _
        "last_upload_status=" & LAST_UPLOAD_STATUS & vbLf & _
        "last_upload_ok_at=" & LAST_UPLOAD_OK_AT & vbLf & _
        "spool_bytes=" & FmtInt(SP_BYTES(SP_METRICS)) & vbLf & _
        "spool_dropped_lines=" & FmtInt(SP_DROPPED(SP_METRICS)) & vbLf & _
        "rejected_lines=" & FmtInt(SP_REJECTED(SP_METRICS)) & vbLf & _
        "sockets_s=" & PM_SOCKETS_S & vbLf & _
        "sockets_source=" & SOCK_SOURCE & vbLf & _
        "snapshots=" & SNAPSHOTS & vbLf & _
        "last_snapshot_at=" & LAST_SNAP_TS & vbLf & _
        "sockets_spool_bytes=" & FmtInt(SP_BYTES(SP_SOCKETS)) & vbLf & _
        "sockets_spool_dropped_lines=" & FmtInt(SP_DROPPED(SP_SOCKETS)) & vbLf & _
        "sockets_rejected_lines=" & FmtInt(SP_REJECTED(SP_SOCKETS)) & vbLf & _
        "updated_at=" & FmtInt(Int(EpochNow())) & vbLf
    tmp = g_statefile & ".tmp"
    On Error Resume Next
    WriteFileText tmp, s
    If Err.Number = 0 Then g_fso.CopyFile tmp, g_statefile, True
    If Err.Number <> 0 Then LogOnce "state", "cannot write collector.state: " & ErrText()
    Err.Clear
    DeleteQuietly tmp
End Sub

Sub Cleanup()
    On Error Resume Next
    If Not g_haveLock Then Exit Sub
    If STOP_REASON = "" Then STOP_REASON = "error"
    LogMsg "stopping: " & STOP_REASON
    WriteState "stopped"
    DeleteQuietly g_authfile
    DeleteQuietly g_chunkfile
    DeleteQuietly g_respfile
    DeleteQuietly g_errfile
    DeleteQuietly g_cloudfile
    DeleteQuietly g_netstatOut
    DeleteQuietly g_stopfile
    If ReadFirstLine(g_pidfile) = g_pid Then DeleteQuietly g_pidfile
    ' Release the single-instance lock last.
    g_lock.Close
    g_haveLock = False
    DeleteQuietly g_lockfile
    Err.Clear
End Sub

Sub Finish(reason, code)
    STOP_REASON = reason
    Cleanup
    WScript.Quit code
End Sub

' ---- HTTP ------------------------------------------------------------------
' MSXML2.ServerXMLHTTP (6.0, else 3.0) in synchronous mode; curl.exe (Windows
' 10 1803 and later ship one) when MSXML is missing.  The token is only ever
' put in a request header (MSXML) or in the mode-restricted .auth file given
' to curl with -K, never on a command line or in the log.

Sub DetectHttpClient()
    Dim ids, i, x, sys32
    g_httpClient = "none"
    ids = Array("MSXML2.ServerXMLHTTP.6.0", "MSXML2.ServerXMLHTTP.3.0", "MSXML2.ServerXMLHTTP")
    On Error Resume Next
    For i = 0 To UBound(ids)
        Set x = Nothing
        Set x = CreateObject(ids(i))
        If Err.Number = 0 Then
            g_httpProgId = ids(i)
            g_httpClient = "msxml"
            Exit For
        End If
        Err.Clear
    Next
    Err.Clear
    Set x = Nothing
    If g_httpClient = "none" Then
        sys32 = g_fso.GetSpecialFolder(1)
        If g_fso.FileExists(g_fso.BuildPath(sys32, "curl.exe")) Then
            g_curl = g_fso.BuildPath(sys32, "curl.exe")
            g_httpClient = "curl"
        End If
    End If
    Err.Clear
    If g_httpClient = "none" Then LogMsg "no usable HTTP client (MSXML2.ServerXMLHTTP or curl.exe); sampling to spool only"
    LogMsg "http client: " & g_httpClient & " " & g_httpProgId
End Sub

' ---- TLS ---------------------------------------------------------------------
' Over https the appliance's own CA (rendered into PM_CA_PEM, written to
' ca.pem) is the only trust.  MSXML (WinHTTP) trusts whatever the Windows
' store trusts, a TLS-inspection CA included, and cannot be restricted: over
' https it never gets the token.  curl.exe from System32 can: with --cacert
' its Schannel backend (7.60.0 and later) builds a chain engine whose only
' root is that file (lib/vtls/schannel_verify.c, hExclusiveRoot); older
' curl.exe builds ignore --cacert and are refused.  --ssl-no-revoke: the
' appliance's CA publishes no revocation list, so Schannel's revocation check
' could only fail; chain, expiry and host name are still checked.  Without a
' usable curl.exe the collector samples into its spool and says why (state
' file, hence the target's status); see templates/README-collector-vbs.md.
Sub SetupTls()
    Dim exe, ver
    g_tlsMode = "off"
    g_tlsError = ""
    If LCase(Left(PM_URL, 8)) <> "https://" Then Exit Sub
    g_tlsMode = "blocked"
    exe = g_fso.BuildPath(g_fso.GetSpecialFolder(1), "curl.exe")
    If PM_CA_PEM = "" Then
        g_tlsError = "no CA certificate was rendered for the https appliance; redeploy"
    ElseIf Not g_fso.FileExists(exe) Then
        g_tlsError = "no curl.exe in System32 (Windows 10 1803, Server 2019 and later ship it); MSXML cannot restrict trust to the appliance's CA"
    Else
        ver = CurlVersion(exe)
        If Not NewRegExp("^([1-9][0-9]+|[8-9])\.|^7\.([6-9][0-9]|[1-9][0-9][0-9])\.").Test(ver) Then
            g_tlsError = "curl.exe " & ver & " is older than 7.60 and would ignore --cacert; update Windows"
        End If
    End If
    If g_tlsError = "" Then
        On Error Resume Next
        ' Rewritten at every start: a redeploy after the appliance's
        ' certificate changed brings the new CA.
        WriteFileText g_cafile, Replace(PM_CA_PEM, "|", vbLf) & vbLf
        If Err.Number <> 0 Then g_tlsError = "cannot write " & g_cafile & ": " & ErrText()
        Err.Clear
        On Error GoTo 0
    End If
    If g_tlsError <> "" Then
        LogMsg "TLS: uploads blocked: " & g_tlsError & "; keeping the spool"
        Exit Sub
    End If
    g_curl = exe
    g_tlsMode = "verified"
    LogMsg "TLS: curl.exe " & ver & " trusting only " & g_cafile
End Sub

' The version curl.exe -V reports ("8.4.0"), or "unknown".
Function CurlVersion(exe)
    Dim line, m, found
    CurlVersion = "unknown"
    On Error Resume Next
    DeleteQuietly g_respfile
    g_shell.Run "%ComSpec% /s /c """"" & exe & """ -V > """ & g_respfile & """ 2>nul""", 0, True
    line = ReadFirstLine(g_respfile)
    DeleteQuietly g_respfile
    Err.Clear
    Set m = NewRegExp("^curl ([0-9]+\.[0-9]+(\.[0-9]+)?)")
    If m.Test(line) Then
        Set found = m.Execute(line)
        CurlVersion = found.Item(0).SubMatches.Item(0)
    End If
End Function

Sub WriteAuthFile()
    If g_httpClient <> "curl" And g_tlsMode <> "verified" Then Exit Sub
    ' curl config syntax: a double-quoted value with \\ and \" escapes.
    WriteFileText g_authfile, "header = """ & Replace(Replace("Authorization: Bearer " & PM_TOKEN, "\", "\\"), """", "\""") & """" & vbLf
End Sub

' One MSXML request; no error handler of its own, so the first failure
' (connection refused, timeout, TLS) aborts it and reaches the caller.
Function MsxmlSend(method, url, hdrNames, hdrValues, body, tResolve, tConnect, tSend, tReceive, direct)
    Dim x, i
    Set x = CreateObject(g_httpProgId)
    x.setTimeouts tResolve, tConnect, tSend, tReceive
    If direct Then
        ' SXH_PROXY_SET_DIRECT: the metadata address is link-local, never via a proxy.
        On Error Resume Next
        x.setProxy 1
        Err.Clear
        On Error GoTo 0
    End If
    x.open method, url, False
    For i = 0 To UBound(hdrNames)
        x.setRequestHeader CStr(hdrNames(i)), CStr(hdrValues(i))
    Next
    x.send body
    MsxmlSend = CStr(x.status)
    ' The body only matters for the metadata probes; an undecodable one is
    ' no reason to call a delivered upload failed.
    g_respText = ""
    On Error Resume Next
    g_respText = x.responseText
    Err.Clear
End Function

' Runs curl.exe through cmd.exe so that -w's status code lands in a file.
Function CurlRun(args, url)
    Dim cmd, code
    DeleteQuietly g_respfile
    DeleteQuietly g_errfile
    cmd = "%ComSpec% /s /c """"" & g_curl & """ -q -s " & args & " -w ""%{http_code}"" """ & url & """ > """ & g_respfile & """ 2>""" & g_errfile & """"""
    g_curlExit = g_shell.Run(cmd, 0, True)
    code = ReadFirstLine(g_respfile)
    DeleteQuietly g_respfile
    CurlRun = code
End Function

Function NormalizeStatus(ByVal code)
    ' MSXML reports 204 as 1223 on some versions.
    If code = "1223" Then code = "204"
    If Not g_reStatus.Test(code) Then code = "000"
    NormalizeStatus = code
End Function

' POSTs body (a string of ASCII text) to url.  Returns the HTTP status as
' three digits, "000" when there was no HTTP answer at all.
Function HttpPost(url, ctype, body)
    Dim code, e
    code = "000"
    g_httpError = ""
    On Error Resume Next
    If g_tlsMode = "blocked" Or (g_tlsMode = "off" And LCase(Left(url, 8)) = "https://") Then
        ' never the token to an appliance that could not be verified
        g_httpError = "(TLS: " & g_tlsError & ")"
    ElseIf g_tlsMode = "verified" Then
        WriteFileText g_chunkfile, body
        code = CurlRun("-S --proto =https --ssl-no-revoke --cacert """ & g_cafile & """ --connect-timeout 10 --max-time 60 -K """ & _
            g_authfile & """ -H ""Content-Type: " & ctype & """ --data-binary ""@" & g_chunkfile & """ -o NUL", url)
        TlsCheck
    ElseIf g_httpClient = "msxml" Then
        code = MsxmlSend("POST", url, Array("Authorization", "Content-Type"), _
            Array("Bearer " & PM_TOKEN, ctype), body, 10000, 10000, 30000, 60000, False)
    ElseIf g_httpClient = "curl" Then
        WriteFileText g_chunkfile, body
        code = CurlRun("-S --connect-timeout 10 --max-time 60 -K """ & g_authfile & """ -H ""Content-Type: " & ctype & _
            """ --data-binary ""@" & g_chunkfile & """ -o NUL", url)
    End If
    If Err.Number <> 0 Then
        g_httpError = ErrText()
        code = "000"
    End If
    Err.Clear
    On Error GoTo 0
    If g_httpClient = "curl" Or g_tlsMode = "verified" Then DeleteQuietly g_chunkfile
    HttpPost = NormalizeStatus(code)
    If g_tlsMode = "verified" And HttpPost <> "000" Then g_tlsError = ""
End Function

' After a curl.exe request over https: did it fail to verify the appliance (or
' to set up TLS)?  curl exits 35 (handshake), 51 (peer verification), 58/77
' (certificate or CA file), 60 (certificate), 83 (issuer), 90 (pinned key).
Sub TlsCheck()
    Dim why, re, m
    why = ReadFirstLine(g_errfile)
    ' "curl: (60) ...": the status from the message where the exit status
    ' does not come through (cmd.exe under Wine reports 0)
    Set re = NewRegExp("^curl: \(([0-9]+)\)")
    If g_curlExit = 0 And re.Test(why) Then
        Set m = re.Execute(why)
        g_curlExit = CInt(m.Item(0).SubMatches.Item(0))
    End If
    Select Case g_curlExit
        Case 35, 51, 58, 60, 77, 83, 90
        Case Else
            Exit Sub
    End Select
    g_tlsError = "verification failed: curl exit " & g_curlExit
    Set re = NewRegExp("[\x00-\x1F\x7F]")
    re.Global = True
    If why <> "" Then g_tlsError = g_tlsError & ": " & Left(re.Replace(why, " "), 300)
    g_httpError = "(" & g_tlsError & ")"
    LogMsg "TLS verification failed (" & g_tlsError & "); no token sent, keeping the spool"
End Sub

' Cloud metadata request: short timeouts keep an on-premises start fast (Wine
' ignores them; Windows honours them), no proxy, never the appliance token.
' Sets g_respText to the body.
Function MetaRequest(method, url, hdrName, hdrValue)
    Dim code
    code = "000"
    g_respText = ""
    On Error Resume Next
    If g_httpClient = "msxml" Then
        code = MsxmlSend(method, url, Array(hdrName), Array(hdrValue), "", 1000, 1000, 2000, 2000, True)
    ElseIf g_httpClient = "curl" Then
        code = CurlRun("--noproxy * --connect-timeout 1 --max-time 2 -X " & method & " -H """ & hdrName & ": " & _
            hdrValue & """ -o """ & g_cloudfile & """", url)
        g_respText = ReadFileText(g_cloudfile)
    End If
    If Err.Number <> 0 Then code = "000"
    Err.Clear
    On Error GoTo 0
    If g_httpClient = "curl" Then DeleteQuietly g_cloudfile
    MetaRequest = NormalizeStatus(code)
End Function

' A document is only embedded when it plausibly is one JSON object; anything
' else (captive portals, HTML error pages) would corrupt the hello.
Function LooksLikeJsonObject(s)
    Dim t
    LooksLikeJsonObject = False
    If Len(s) < 2 Or Len(s) > CLOUD_DOC_MAX_BYTES Then Exit Function
    t = Trim(Replace(Replace(Replace(s, vbCr, " "), vbLf, " "), vbTab, " "))
    LooksLikeJsonObject = (Left(t, 1) = "{" And Right(t, 1) = "}")
End Function

Sub AcceptCloud(provider)
    CLOUD_PROVIDER = provider
    ' Non-ASCII characters are only valid inside JSON strings, where \uXXXX
    ' means the same: the embedded document stays equal and the hello ASCII.
    CLOUD_DOC = JEsc(Trim(g_respText), False)
End Sub

' Sets CLOUD_PROVIDER and CLOUD_DOC: AWS (IMDSv2), then Azure, then GCP.
Sub DetectCloud()
    Dim code, tok
    CLOUD_PROVIDER = ""
    CLOUD_DOC = ""
    If g_httpClient = "none" Then Exit Sub
    code = MetaRequest("PUT", PM_METADATA_URL & "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds", "21600")
    ' Nothing answers at the metadata address: on premises.  The other
    ' providers use the same address, so do not wait for them too.
    If code = "000" Then Exit Sub
    tok = ""
    If Left(code, 1) = "2" Then tok = Trim(Replace(Replace(g_respText, vbCr, ""), vbLf, ""))
    If tok <> "" And Not g_reCtl.Test(tok) Then
        code = MetaRequest("GET", PM_METADATA_URL & "/latest/dynamic/instance-identity/document", "X-aws-ec2-metadata-token", tok)
        If code = "000" Then Exit Sub
        If Left(code, 1) = "2" And LooksLikeJsonObject(g_respText) Then
            AcceptCloud "aws"
            Exit Sub
        End If
    End If
    code = MetaRequest("GET", PM_METADATA_URL & "/metadata/instance?api-version=2021-02-01", "Metadata", "true")
    If Left(code, 1) = "2" And LooksLikeJsonObject(g_respText) Then
        AcceptCloud "azure"
        Exit Sub
    End If
    code = MetaRequest("GET", PM_METADATA_URL & "/computeMetadata/v1/instance/?recursive=true", "Metadata-Flavor", "Google")
    If Left(code, 1) = "2" And LooksLikeJsonObject(g_respText) Then
        AcceptCloud "gcp"
        Exit Sub
    End If
End Sub

' ---- device and volume ids ---------------------------------------------------
' A PhysicalDisk instance ("0 C:") or a drive ("C:") becomes one segment of
' a metric name (disk.<id>.read_ops_per_s, fs.<id>.used_bytes), exactly as
' collector.sh does it (DISKS-CONTRACT.md, docs/collectors.md): bytes a-z
' and 0-9 of the UTF-8 name stay, every other byte is "_" and two lowercase
' hex digits; an id over 40 characters is cut to 31 plus "_h" and the 8 hex
' digits of the POSIX cksum CRC of the raw name.

' The UTF-8 bytes of s, as an array of numbers.  Code points come from
' UnicodeOf: exact on Windows; Wine (no AscW) gives ANSI codes, which only
' differ outside ASCII.
Function Utf8Bytes(s)
    Dim out, n, i, u, lo
    ReDim out(Len(s) * 4)
    n = 0
    i = 1
    Do While i <= Len(s)
        u = UnicodeOf(Mid(s, i, 1))
        If u >= 55296 And u <= 56319 And i < Len(s) Then
            lo = UnicodeOf(Mid(s, i + 1, 1))
            If lo >= 56320 And lo <= 57343 Then
                u = 65536 + (u - 55296) * 1024 + (lo - 56320)
                i = i + 1
            End If
        End If
        If u < 128 Then
            out(n) = u
            n = n + 1
        ElseIf u < 2048 Then
            out(n) = 192 + Int(u / 64)
            out(n + 1) = 128 + (u Mod 64)
            n = n + 2
        ElseIf u < 65536 Then
            out(n) = 224 + Int(u / 4096)
            out(n + 1) = 128 + (Int(u / 64) Mod 64)
            out(n + 2) = 128 + (u Mod 64)
            n = n + 3
        Else
            out(n) = 240 + Int(u / 262144)
            out(n + 1) = 128 + (Int(u / 4096) Mod 64)
            out(n + 2) = 128 + (Int(u / 64) Mod 64)
            out(n + 3) = 128 + (u Mod 64)
            n = n + 4
        End If
        i = i + 1
    Loop
    If n = 0 Then
        Utf8Bytes = Array()
    Else
        ReDim Preserve out(n - 1)
        Utf8Bytes = out
    End If
End Function

' One octet into a cksum CRC (polynomial 0x04C11DB7, most significant bit
' first) held in a signed 32-bit Long: the shift is spelled out so that it
' never overflows.
Function CrcOctet(crc, b)
    Dim k, c, shifted
    If b >= 128 Then
        c = crc Xor (((b - 128) * &H1000000) Or &H80000000)
    Else
        c = crc Xor (b * &H1000000)
    End If
    For k = 1 To 8
        shifted = (c And &H3FFFFFFF) * 2
        If (c And &H40000000) <> 0 Then shifted = shifted Or &H80000000
        If (c And &H80000000) <> 0 Then shifted = shifted Xor &H04C11DB7
        c = CLng(shifted)
    Next
    CrcOctet = c
End Function

Function DeviceIdOf(raw)
    Dim b, i, c, s, crc, n
    b = Utf8Bytes(raw)
    s = ""
    For i = 0 To UBound(b)
        c = b(i)
        If (c >= 48 And c <= 57) Or (c >= 97 And c <= 122) Then
            s = s & Chr(c)
        Else
            s = s & "_" & Right("0" & LCase(Hex(c)), 2)
        End If
    Next
    If Len(s) > 40 Then
        crc = CLng(0)
        For i = 0 To UBound(b)
            crc = CrcOctet(crc, b(i))
        Next
        n = UBound(b) + 1
        Do While n > 0
            crc = CrcOctet(crc, n Mod 256)
            n = Int(n / 256)
        Loop
        crc = Not crc
        s = Left(s, 31) & "_h" & Right("0000000" & LCase(Hex(crc)), 8)
    End If
    DeviceIdOf = s
End Function

' DeviceIdOf, cached: a sample computes no id twice.
Function DeviceId(raw)
    If g_ids.Exists(raw) Then
        DeviceId = g_ids.Item(raw)
        Exit Function
    End If
    If g_ids.Count > 512 Then g_ids.RemoveAll
    DeviceId = DeviceIdOf(raw)
    g_ids.Add raw, DeviceId
End Function

' The id of the PhysicalDisk instance holding drive dev ("0 C: D:" holds
' C: and D:), or "" when none does.
Function DiskOfDrive(dev)
    Dim nm, t
    DiskOfDrive = ""
    For Each nm In g_diskNames.Keys
        For Each t In Split(nm, " ")
            If UCase(t) = UCase(dev) Then
                DiskOfDrive = DeviceId(nm)
                Exit Function
            End If
        Next
    Next
End Function

' ============================================================================
' Inventory / hello
' ============================================================================

Function BuildHello()
    Dim rows, row, v, i, host, osName, osVer, osBuild, arch, model, disks, nics, unavail, m, ok, name, mac, s, net, phys
    Dim vols, feats, did

    rows = WmiRows("SELECT * FROM Win32_ComputerSystem", "Name")
    If UBound(rows) >= 0 Then host = StrVal(rows(0), "Name")
    If host = "" Then
        On Error Resume Next
        Set net = CreateObject("WScript.Network")
        host = net.ComputerName
        Err.Clear
        On Error GoTo 0
    End If
    If host = "" Then host = Expand("%COMPUTERNAME%")

    rows = WmiRows("SELECT * FROM Win32_OperatingSystem", "Caption,Version,BuildNumber")
    If UBound(rows) >= 0 Then
        osName = StrVal(rows(0), "Caption")
        osVer = StrVal(rows(0), "Version")
        osBuild = StrVal(rows(0), "BuildNumber")
    End If
    ' The machine's architecture, also from a 32-bit script host on 64-bit Windows.
    arch = Expand("%PROCESSOR_ARCHITEW6432%")
    If Left(arch, 1) = "%" Then arch = Expand("%PROCESSOR_ARCHITECTURE%")
    If Left(arch, 1) = "%" Then arch = ""

    rows = WmiRows("SELECT * FROM Win32_Processor", "Name")
    If UBound(rows) >= 0 Then model = StrVal(rows(0), "Name")

    ' Each disk drive with the PhysicalDisk instance that carries its
    ' per-disk series ("0 C:" for Index 0); without one (Wine has no
    ' PhysicalDisk counters) its id is null and its name the DeviceID.
    disks = ""
    rows = WmiRows("SELECT * FROM Win32_DiskDrive", "DeviceID,Model,Size,Index")
    For i = 0 To UBound(rows)
        s = NumVal(rows(i), "Size")
        If IsEmpty(s) Then s = "null" Else s = FmtInt(s)
        name = ""
        v = NumVal(rows(i), "Index")
        If Not IsEmpty(v) Then
            For Each m In g_diskNames.Keys
                ' one index at a time: Wine yields Empty for Split(...)(0)
                row = Split(m, " ")
                If row(0) = FmtInt(v) Then name = m
            Next
        End If
        If name = "" Then
            did = "null"
            name = StrVal(rows(i), "DeviceID")
        Else
            did = """" & DeviceId(name) & """"
        End If
        If disks <> "" Then disks = disks & ","
        disks = disks & "{""id"":" & did & ",""name"":" & JStr(name) & ",""device"":" & _
            JStr(StrVal(rows(i), "DeviceID")) & ",""model"":" & _
            JStr(StrVal(rows(i), "Model")) & ",""size_bytes"":" & s & "}"
    Next

    ' The fixed drives of the per-volume series, each with its disk.
    vols = ""
    For Each m In g_vols.Keys
        v = DiskOfDrive(m)
        If v = "" Then v = "null" Else v = """" & v & """"
        If vols <> "" Then vols = vols & ","
        vols = vols & "{""id"":""" & DeviceId(m) & """,""mount"":" & JStr(m) & _
            ",""capacity_bytes"":" & FmtInt(g_vols.Item(m)) & ",""disk"":" & v & "}"
    Next
    feats = UnavailableFeatures()
    If g_diskNames.Count = 0 Then
        If feats <> "" Then feats = feats & ","
        feats = feats & """disk.devices"""
    End If
    If g_vols.Count = 0 Then
        If feats <> "" Then feats = feats & ","
        feats = feats & """fs.volumes"""
    End If

    ' Adapters with a MAC; on Vista and later only physical ones (the
    ' property is missing on older systems: then all of them).
    nics = ""
    rows = WmiRows("SELECT * FROM Win32_NetworkAdapter", "Name,NetConnectionID,MACAddress,PhysicalAdapter")
    For i = 0 To UBound(rows)
        mac = StrVal(rows(i), "MACAddress")
        phys = True
        Set row = rows(i)
        If row.Exists("PhysicalAdapter") Then
            v = row.Item("PhysicalAdapter")
            If Not IsNull(v) And Not IsEmpty(v) Then phys = CBool(v)
        End If
        If mac <> "" And phys Then
            name = StrVal(rows(i), "NetConnectionID")
            If name = "" Then name = StrVal(rows(i), "Name")
            If nics <> "" Then nics = nics & ","
            nics = nics & "{""name"":" & JStr(name) & ",""mac"":" & JStr(mac) & "}"
        End If
    Next

    unavail = ""
    For Each m In Split(ALL_METRICS, " ")
        Select Case m
            Case "cpu.busy_pct": ok = CPU_BUSY_OK
            Case "cpu.count": ok = CPU_COUNT_OK
            Case "mem.total_bytes": ok = MEMTOTAL_OK
            Case "mem.available_bytes", "mem.used_bytes": ok = MEMAVAIL_OK
            Case "fs.capacity_bytes", "fs.used_bytes": ok = FS_OK
            Case "net.rx_bytes_per_s", "net.tx_bytes_per_s": ok = NET_OK
            Case Else: ok = DISK_OK
        End Select
        If Not ok Then
            If unavail <> "" Then unavail = unavail & ","
            unavail = unavail & """" & m & """"
        End If
    Next

    s = "{""hostname"":" & JStr(host) & "," & _
        """os"":{""family"":""windows"",""name"":" & JStr(osName) & ",""version"":" & JStr(osVer) & _
        ",""build"":" & JStr(osBuild) & ",""kernel"":" & JStr(osVer) & ",""arch"":" & JStr(arch) & "}," & _
        """cpu"":{""model"":" & JStr(model) & ",""count"":"
    If CPU_COUNT_OK Then s = s & FmtInt(CPU_COUNT) Else s = s & "null"
    s = s & "},""memory_bytes"":"
    If MEMTOTAL_OK Then s = s & FmtInt(MEM_TOTAL_BYTES) Else s = s & "null"
    s = s & ",""disks"":[" & disks & "],""volumes"":[" & vols & "],""nics"":[" & nics & "],"
    If CLOUD_PROVIDER <> "" Then
        s = s & """cloud"":{""provider"":""" & CLOUD_PROVIDER & """,""document"":" & CLOUD_DOC & "},"
    Else
        s = s & """cloud"":null,"
    End If
    s = s & """collector"":{""version"":""" & PM_VERSION & """,""kind"":""vbs"",""started_at"":" & STARTED_AT & _
        ",""expires_at"":" & EXPIRES_AT & ",""interval_s"":" & PM_INTERVAL_S & ",""upload_s"":" & PM_UPLOAD_S & _
        ",""script_host"":" & JStr(ScriptHostVersion()) & ",""http_client"":" & JStr(g_httpClient) & _
        ",""unavailable_metrics"":[" & unavail & "],""sockets_s"":" & PM_SOCKETS_S & _
        ",""unavailable_features"":[" & feats & "]}}"
    BuildHello = s
End Function

' ============================================================================
' Sampling
' ============================================================================
' Each sampler reads its WMI classes; a class that is missing or returns no
' rows leaves its metrics out (never a made-up value) and its *_OK flag unset,
' which the hello reports.  TakeSample calls every sampler under On Error
' Resume Next, so an unexpected error ends that sampler only.

Sub Emit(name, value)
    BUF = BUF & TS & "," & name & "," & value & vbLf
End Sub

' Rate per second of a counter against its previous reading; a counter that
' went down (reset, device removed) gives no rate this time.
Sub EmitRate(name, cur, prev, dt)
    If IsEmpty(prev) Or IsEmpty(cur) Then Exit Sub
    If dt <= 0 Then Exit Sub
    If cur < prev Then Exit Sub
    Emit name, Fmt2((cur - prev) / dt)
End Sub

' Seconds from a perf-counter row (Timestamp_PerfTime / Frequency_PerfTime),
' or the wall clock when the row lacks them.
Function PerfSeconds(d)
    Dim t, f
    t = NumVal(d, "Timestamp_PerfTime")
    f = NumVal(d, "Frequency_PerfTime")
    If IsEmpty(t) Or IsEmpty(f) Then
        PerfSeconds = NOW_S
    ElseIf f <= 0 Then
        PerfSeconds = NOW_S
    Else
        PerfSeconds = t / f
    End If
End Function

Sub SampleCpu()
    Dim rows, i, n, v, t, idle, cnt, totIdle, totT, busy, sum, k
    ' Logical processors: Win32_ComputerSystem, else summed over Win32_Processor.
    n = Empty
    rows = WmiRows("SELECT * FROM Win32_ComputerSystem", "NumberOfLogicalProcessors")
    If UBound(rows) >= 0 Then n = NumVal(rows(0), "NumberOfLogicalProcessors")
    If IsEmpty(n) Then
        rows = WmiRows("SELECT * FROM Win32_Processor", "NumberOfLogicalProcessors")
        For i = 0 To UBound(rows)
            v = NumVal(rows(i), "NumberOfLogicalProcessors")
            If Not IsEmpty(v) Then n = n + v
        Next
    End If
    If Not IsEmpty(n) Then
        If n > 0 Then
            CPU_COUNT_OK = True
            CPU_COUNT = n
            Emit "cpu.count", FmtInt(n)
        End If
    End If

    ' Busy %: raw idle time (PERF_100NSEC_TIMER_INV, 100 ns units) of every
    ' processor instance against Timestamp_Sys100NS, over the whole interval:
    ' busy = 100 * (1 - sum(d idle) / (instances * d time)).
    rows = WmiRows("SELECT * FROM Win32_PerfRawData_PerfOS_Processor", "Name,PercentProcessorTime,Timestamp_Sys100NS")
    idle = 0
    cnt = 0
    For i = 0 To UBound(rows)
        v = NumVal(rows(i), "PercentProcessorTime")
        t = NumVal(rows(i), "Timestamp_Sys100NS")
        If Not IsEmpty(v) And Not IsEmpty(t) Then
            If StrVal(rows(i), "Name") = "_Total" Then
                totIdle = v
                totT = t
            Else
                idle = idle + v
                cnt = cnt + 1
                k = t
            End If
        End If
    Next
    If cnt = 0 And Not IsEmpty(totIdle) Then
        idle = totIdle
        cnt = 1
        k = totT
    End If
    If cnt > 0 Then
        CPU_BUSY_OK = True
        If Not IsEmpty(P_CPU_T) And P_CPU_N = cnt Then
            t = (k - P_CPU_T) * cnt
            v = idle - P_CPU_IDLE
            If t > 0 And v >= 0 Then
                busy = 100 * (1 - v / t)
                If busy < 0 Then busy = 0
                If busy > 100 Then busy = 100
                Emit "cpu.busy_pct", Fmt2(busy)
            End If
        End If
        P_CPU_IDLE = idle
        P_CPU_T = k
        P_CPU_N = cnt
        Exit Sub
    End If

    ' Fallback: Win32_Processor.LoadPercentage (a short recent average),
    ' averaged over the sockets.
    rows = WmiRows("SELECT * FROM Win32_Processor", "LoadPercentage")
    sum = 0
    cnt = 0
    For i = 0 To UBound(rows)
        v = NumVal(rows(i), "LoadPercentage")
        If Not IsEmpty(v) Then
            sum = sum + v
            cnt = cnt + 1
        End If
    Next
    If cnt > 0 Then
        CPU_BUSY_OK = True
        busy = sum / cnt
        If busy > 100 Then busy = 100
        Emit "cpu.busy_pct", Fmt2(busy)
    End If
End Sub

Sub SampleMem()
    Dim rows, total, free
    ' Win32_OperatingSystem gives KiB; FreePhysicalMemory is the memory
    ' available to processes (free + standby), Windows' "Available".
    rows = WmiRows("SELECT * FROM Win32_OperatingSystem", "TotalVisibleMemorySize,FreePhysicalMemory")
    If UBound(rows) >= 0 Then
        total = NumVal(rows(0), "TotalVisibleMemorySize")
        free = NumVal(rows(0), "FreePhysicalMemory")
        If Not IsEmpty(total) Then total = total * 1024
        If Not IsEmpty(free) Then free = free * 1024
    End If
    If IsEmpty(total) Then
        rows = WmiRows("SELECT * FROM Win32_ComputerSystem", "TotalPhysicalMemory")
        If UBound(rows) >= 0 Then total = NumVal(rows(0), "TotalPhysicalMemory")
    End If
    If IsEmpty(total) Then Exit Sub
    If total <= 0 Then Exit Sub
    MEMTOTAL_OK = True
    MEM_TOTAL_BYTES = total
    Emit "mem.total_bytes", FmtInt(total)
    If IsEmpty(free) Then Exit Sub
    If free > total Then Exit Sub
    MEMAVAIL_OK = True
    Emit "mem.available_bytes", FmtInt(free)
    Emit "mem.used_bytes", FmtInt(total - free)
End Sub

' Disk I/O of the physical disks: the totals from the _Total instance of
' PhysicalDisk (each I/O counted once, at the disk, as collector.sh does),
' the per-disk series from the other instances ("0 C:"), all read in one
' query.  Raw cumulative counters with deltas over the interval; the
' formatted class (a short recent rate) only when the raw one has no
' complete _Total.  A disk appearing or disappearing gives no rate for that
' disk in that sample.
Sub SampleDisk()
    Dim rows, props, cur(3), names, i, j, t, dt, ok, keys, tot, nm, devs, a, b, id
    props = "DiskReadBytesPersec,DiskWriteBytesPersec,DiskReadsPersec,DiskWritesPersec"
    keys = Split(props, ",")
    names = Array("read_bytes_per_s", "write_bytes_per_s", "read_ops_per_s", "write_ops_per_s")
    Set devs = CreateObject("Scripting.Dictionary")
    rows = WmiRows("SELECT * FROM Win32_PerfRawData_PerfDisk_PhysicalDisk", "Name," & props & ",Timestamp_PerfTime,Frequency_PerfTime")
    tot = -1
    For i = 0 To UBound(rows)
        ok = True
        For j = 0 To 3
            cur(j) = NumVal(rows(i), keys(j))
            If IsEmpty(cur(j)) Then ok = False
        Next
        nm = StrVal(rows(i), "Name")
        If ok And nm = "_Total" Then
            tot = i
        ElseIf ok And nm <> "" And Not devs.Exists(nm) And devs.Count < DEVICES_MAX Then
            devs.Add nm, Array(cur(0), cur(1), cur(2), cur(3), PerfSeconds(rows(i)))
        End If
    Next
    If tot >= 0 Then
        DISK_OK = True
        For j = 0 To 3
            cur(j) = NumVal(rows(tot), keys(j))
        Next
        t = PerfSeconds(rows(tot))
        If IsArray(P_DISK) Then
            dt = t - P_DISK_T
            For j = 0 To 3
                EmitRate "disk." & names(j), cur(j), P_DISK(j), dt
            Next
        End If
        P_DISK = Array(cur(0), cur(1), cur(2), cur(3))
        P_DISK_T = t
        If IsObject(P_DEVS) Then
            For Each nm In devs.Keys
                If P_DEVS.Exists(nm) Then
                    ' One index at a time: Wine yields Empty for d(k)(i).
                    a = devs.Item(nm)
                    b = P_DEVS.Item(nm)
                    id = DeviceId(nm)
                    For j = 0 To 3
                        EmitRate "disk." & id & "." & names(j), a(j), b(j), a(4) - b(4)
                    Next
                End If
            Next
        End If
        Set P_DEVS = devs
        Set g_diskNames = devs
        Exit Sub
    End If
    Set devs = CreateObject("Scripting.Dictionary")
    rows = WmiRows("SELECT * FROM Win32_PerfFormattedData_PerfDisk_PhysicalDisk", "Name," & props)
    tot = -1
    For i = 0 To UBound(rows)
        ok = True
        For j = 0 To 3
            If IsEmpty(NumVal(rows(i), keys(j))) Then ok = False
        Next
        nm = StrVal(rows(i), "Name")
        If ok And nm = "_Total" Then
            tot = i
        ElseIf ok And nm <> "" And Not devs.Exists(nm) And devs.Count < DEVICES_MAX Then
            devs.Add nm, i
        End If
    Next
    Set g_diskNames = devs
    If tot < 0 Then Exit Sub
    DISK_OK = True
    For j = 0 To 3
        Emit "disk." & names(j), Fmt2(NumVal(rows(tot), keys(j)))
    Next
    For Each nm In devs.Keys
        id = DeviceId(nm)
        For j = 0 To 3
            Emit "disk." & id & "." & names(j), Fmt2(NumVal(rows(devs.Item(nm)), keys(j)))
        Next
    Next
End Sub

' Local fixed volumes (DriveType 3).  A volume mounted under several drive
' letters (subst) counts once, by serial number.  A volume whose numbers are
' not credible is left out rather than reported as nonsense: free space above
' the size, or a size that the file system API (FileSystemObject's Drive,
' GetDiskFreeSpaceEx underneath) does not confirm within 1 %.  On Windows the
' two always agree; Wine's Win32_LogicalDisk.Size is a made-up disk size, so
' there fs.* end up unavailable.
Sub SampleFs()
    Dim rows, i, size, free, key, seen, cap, used, n, dev, why, vols
    rows = WmiRows("SELECT * FROM Win32_LogicalDisk WHERE DriveType = 3", "DeviceID,Size,FreeSpace,VolumeSerialNumber")
    Set seen = CreateObject("Scripting.Dictionary")
    Set vols = CreateObject("Scripting.Dictionary")
    cap = 0
    used = 0
    n = 0
    For i = 0 To UBound(rows)
        dev = StrVal(rows(i), "DeviceID")
        size = NumVal(rows(i), "Size")
        free = NumVal(rows(i), "FreeSpace")
        why = VolumeProblem(dev, size, free)
        If why <> "" Then
            ' Once per volume and kind of problem: it holds for every sample.
            LogOnce "fs " & dev & " " & Left(why, 12), "volume " & dev & ": " & why & "; not counted"
        Else
            key = StrVal(rows(i), "VolumeSerialNumber")
            If key = "" Then key = FmtInt(size) & "/" & FmtInt(free)
            If Not seen.Exists(key) Then
                seen.Add key, True
                cap = cap + size
                used = used + (size - free)
                n = n + 1
                If vols.Count < VOLUMES_MAX And Not vols.Exists(dev) Then
                    vols.Add dev, size
                    Emit "fs." & DeviceId(dev) & ".capacity_bytes", FmtInt(size)
                    Emit "fs." & DeviceId(dev) & ".used_bytes", FmtInt(size - free)
                End If
            End If
        End If
    Next
    Set g_vols = vols
    If n = 0 Then Exit Sub
    FS_OK = True
    Emit "fs.capacity_bytes", FmtInt(cap)
    Emit "fs.used_bytes", FmtInt(used)
End Sub

' Why a volume's WMI numbers cannot be reported ("" when they can).
Function VolumeProblem(dev, size, free)
    Dim other
    VolumeProblem = ""
    If IsEmpty(size) Or IsEmpty(free) Then
        VolumeProblem = "no Size/FreeSpace in WMI"
    ElseIf size <= 0 Or free > size Then
        VolumeProblem = "WMI FreeSpace " & FmtInt(free) & " exceeds Size " & FmtInt(size)
    Else
        other = DriveTotalSize(dev)
        If IsEmpty(other) Then
            VolumeProblem = "the file system API cannot confirm its size"
        ElseIf Abs(other - size) > size / 100 Then
            VolumeProblem = "WMI Size " & FmtInt(size) & " disagrees with the file system's " & FmtInt(other)
        End If
    End If
End Function

' Bytes received and sent over all network interfaces (the loopback has no
' instance in Tcpip_NetworkInterface).  Raw counters per instance; only
' instances present in both readings count, so an adapter appearing or
' disappearing does not make a jump.
Sub SampleNet()
    Dim rows, i, nm, rx, tx, t, cur, drx, dtx, dt, ok, hasAny, a, b
    rows = WmiRows("SELECT * FROM Win32_PerfRawData_Tcpip_NetworkInterface", "Name,BytesReceivedPersec,BytesSentPersec,Timestamp_PerfTime,Frequency_PerfTime")
    Set cur = CreateObject("Scripting.Dictionary")
    t = Empty
    For i = 0 To UBound(rows)
        nm = StrVal(rows(i), "Name")
        rx = NumVal(rows(i), "BytesReceivedPersec")
        tx = NumVal(rows(i), "BytesSentPersec")
        If Not IsEmpty(rx) And Not IsEmpty(tx) And Not cur.Exists(nm) Then
            cur.Add nm, Array(rx, tx)
            t = PerfSeconds(rows(i))
        End If
    Next
    If cur.Count > 0 Then
        NET_OK = True
        If IsObject(P_NET) Then
            dt = t - P_NET_T
            drx = 0
            dtx = 0
            ok = True
            hasAny = False
            For Each nm In cur.Keys
                If P_NET.Exists(nm) Then
                    hasAny = True
                    ' One index at a time: Wine yields Empty for d(k)(i).
                    a = cur.Item(nm)
                    b = P_NET.Item(nm)
                    If a(0) < b(0) Or a(1) < b(1) Then ok = False
                    drx = drx + a(0) - b(0)
                    dtx = dtx + a(1) - b(1)
                End If
            Next
            If ok And hasAny And dt > 0 Then
                Emit "net.rx_bytes_per_s", Fmt2(drx / dt)
                Emit "net.tx_bytes_per_s", Fmt2(dtx / dt)
            End If
        End If
        Set P_NET = cur
        P_NET_T = t
        Exit Sub
    End If
    rows = WmiRows("SELECT * FROM Win32_PerfFormattedData_Tcpip_NetworkInterface", "BytesReceivedPersec,BytesSentPersec")
    rx = Empty
    tx = Empty
    For i = 0 To UBound(rows)
        If Not IsEmpty(NumVal(rows(i), "BytesReceivedPersec")) And Not IsEmpty(NumVal(rows(i), "BytesSentPersec")) Then
            rx = rx + NumVal(rows(i), "BytesReceivedPersec")
            tx = tx + NumVal(rows(i), "BytesSentPersec")
        End If
    Next
    If IsEmpty(rx) Then Exit Sub
    NET_OK = True
    Emit "net.rx_bytes_per_s", Fmt2(rx)
    Emit "net.tx_bytes_per_s", Fmt2(tx)
End Sub

' Total size of a drive ("C:") from FileSystemObject, Empty when unreadable.
Function DriveTotalSize(dev)
    Dim drv
    DriveTotalSize = Empty
    On Error Resume Next
    Set drv = g_fso.GetDrive(dev)
    If Err.Number = 0 Then DriveTotalSize = CDbl(drv.TotalSize)
    If Err.Number <> 0 Then DriveTotalSize = Empty
    Err.Clear
End Function

Sub NoteSamplerError(area)
    Dim e
    e = ErrText()
    Err.Clear
    LogOnce "sampler " & area, area & " sampling failed: " & e
End Sub

Sub TakeSample()
    RefreshBias
    NOW_S = EpochNow()
    TS = FmtInt(Int(NOW_S))
    ' Only a stepped clock can repeat a second; the receiver would
    ' de-duplicate the second sample away.
    If TS = LAST_TS Then TS = FmtInt(CDbl(TS) + 1)
    BUF = ""
    On Error Resume Next
    SampleCpu
    If Err.Number <> 0 Then NoteSamplerError "cpu"
    SampleMem
    If Err.Number <> 0 Then NoteSamplerError "memory"
    SampleDisk
    If Err.Number <> 0 Then NoteSamplerError "disk"
    SampleNet
    If Err.Number <> 0 Then NoteSamplerError "network"
    SampleFs
    If Err.Number <> 0 Then NoteSamplerError "filesystem"
    Err.Clear
    On Error GoTo 0
    If SP_DROPPED(SP_METRICS) > 0 Then Emit "collector.spool_dropped_lines", FmtInt(SP_DROPPED(SP_METRICS))
    SAMPLES = SAMPLES + 1
    LAST_TS = TS
    SpoolAppend SP_METRICS, BUF
End Sub

' ============================================================================
' Sockets
' ============================================================================
' Every PM_SOCKETS_S seconds a snapshot of what this host listens on and
' talks to, spooled in sockets.csv and sent to /api/v1/sockets (wire format:
' templates/README-collector-vbs.md, "Socket snapshots").  The source is
' MSFT_NetTCPConnection and MSFT_NetUDPEndpoint (WMI root\StandardCimv2,
' Windows 8 / Server 2012 and later), else the output of netstat -ano, run
' hidden.  PIDs become process names (Win32_Process) and the names of the
' services they host (Win32_Service.ProcessId).  A source that is missing is
' listed in the hello's unavailable_features; nothing here stops the
' collector.

' Forgets the endpoints of the previous snapshot.
Sub SockReset()
    Set g_lsn = CreateObject("Scripting.Dictionary")
    Set g_lsnPorts = CreateObject("Scripting.Dictionary")
    Set g_pids = CreateObject("Scripting.Dictionary")
    Set g_pidName = CreateObject("Scripting.Dictionary")
    Set g_pidSvc = CreateObject("Scripting.Dictionary")
    ReDim g_est(63)
    g_estN = 0
    NS_NOPID = False
    NS_LISTEN = False
    NS_V6 = ""
End Sub

Sub SockUnavailable(feature)
    If Not SOCK_UNAVAIL.Exists(feature) Then SOCK_UNAVAIL.Add feature, True
End Sub

' The hello's unavailable_features, as the inside of a JSON array.
Function UnavailableFeatures()
    Dim f, s
    s = ""
    For Each f In SOCK_UNAVAIL.Keys
        If s <> "" Then s = s & ","
        s = s & JStr(f)
    Next
    UnavailableFeatures = s
End Function

Function IsPort(p)
    IsPort = False
    If IsNull(p) Or IsEmpty(p) Then Exit Function
    If Not g_reDigits.Test(CStr(p)) Or Len(CStr(p)) > 5 Then Exit Function
    IsPort = (CLng(p) <= 65535)
End Function

' An address as the wire format wants it, or "" when it is none: brackets
' and a %scope id removed, IPv4 dotted quad (also for an IPv4-mapped IPv6
' address), IPv6 in lower case.
Function NormAddr(ByVal a)
    Dim p, ms, m, i, v4, colons, groups, g
    NormAddr = ""
    If IsNull(a) Or IsEmpty(a) Then Exit Function
    a = LCase(Trim(CStr(a)))
    If Left(a, 1) = "[" And Right(a, 1) = "]" Then a = Mid(a, 2, Len(a) - 2)
    p = InStr(a, "%")
    If p > 0 Then a = Left(a, p - 1)
    If Left(a, 7) = "::ffff:" Then
        If g_reIPv4.Test(Mid(a, 8)) Then a = Mid(a, 8)
    End If
    If g_reIPv4.Test(a) Then
        Set ms = g_reIPv4.Execute(a)
        Set m = ms.Item(0)
        v4 = ""
        For i = 0 To 3
            If CLng(m.SubMatches(i)) > 255 Then Exit Function
            If i > 0 Then v4 = v4 & "."
            v4 = v4 & CLng(m.SubMatches(i))
        Next
        NormAddr = v4
    ElseIf g_reIPv6.Test(a) Then
        ' Eight groups, or fewer around exactly one "::" (an embedded IPv4
        ' address counts as two).
        colons = Len(a) - Len(Replace(a, ":", ""))
        groups = 0
        For Each g In Split(a, ":")
            If g <> "" Then groups = groups + 1
        Next
        If InStr(a, ".") > 0 Then groups = groups + 1
        p = InStr(a, "::")
        If p = 0 Then
            If groups <> 8 Then Exit Function
        Else
            If InStr(p + 1, a, "::") > 0 Or groups > 7 Then Exit Function
        End If
        NormAddr = a
    End If
End Function

' Splits "addr:port", "[v6%scope]:port" or "*:*" at the last colon.
Function SplitHostPort(s)
    Dim p
    SplitHostPort = Array("", "")
    p = InStrRev(s, ":")
    If p > 1 Then SplitHostPort = Array(Left(s, p - 1), Mid(s, p + 1))
End Function

' Records one endpoint.  state: LISTEN, ESTABLISHED or BOUND (UDP); others
' are not part of a snapshot.  pid: digits or "" (unknown).
Sub SockAdd(proto, state, laddr, lport, raddr, rport, pid)
    Dim a, r, key, lp
    a = NormAddr(laddr)
    If a = "" Or Not IsPort(lport) Then Exit Sub
    lp = CStr(CLng(lport))
    If state = "BOUND" Or state = "LISTEN" Then
        key = proto & "," & a & "," & lp & "," & pid
        If Not g_lsn.Exists(key) Then g_lsn.Add key, Array(proto, a, lp, pid)
        If proto = "tcp" And Not g_lsnPorts.Exists(lp) Then g_lsnPorts.Add lp, True
    ElseIf state = "ESTABLISHED" And proto = "tcp" Then
        r = NormAddr(raddr)
        If r = "" Or Not IsPort(rport) Then Exit Sub
        If g_estN > UBound(g_est) Then ReDim Preserve g_est(2 * g_estN + 1)
        g_est(g_estN) = Array(a, lp, r, CStr(CLng(rport)), pid)
        g_estN = g_estN + 1
    Else
        Exit Sub
    End If
    If pid <> "" And Not g_pids.Exists(pid) Then g_pids.Add pid, True
End Sub

' Parses the text of netstat -ano (or -an, -anbo: lines that are no
' connection line are skipped).  Returns the number of TCP and UDP lines
' taken.  Sets NS_NOPID when lines lack the PID column, NS_LISTEN when a
' listener was seen, and NS_V6 to the words " anytcp", " anyudp" for the
' protocols seen and " v6tcp", " v6udp" for those seen with IPv6 addresses.  Listeners are also recognised by their foreign address
' 0.0.0.0:0 or [::]:0, since the state word is translated on non-English
' Windows; there connections (whose state cannot be told) are missed.
Function ParseNetstat(text)
    Dim lines, i, f, n, proto, pid, lh, rh, st, taken
    taken = 0
    lines = Split(Replace(text, vbCr, ""), vbLf)
    For i = 0 To UBound(lines)
        f = Split(Trim(g_reSpaces.Replace(lines(i), " ")), " ")
        n = UBound(f) + 1
        proto = ""
        If n >= 3 Then proto = LCase(f(0))
        pid = ""
        st = ""
        If proto = "tcp" And (n = 4 Or n = 5) Then
            If n = 5 Then pid = f(4)
            st = UCase(f(3))
            If st = "LISTENING" Or f(2) = "0.0.0.0:0" Or f(2) = "[::]:0" Then st = "LISTEN"
        ElseIf proto = "udp" And (n = 3 Or n = 4) Then
            If n = 4 Then pid = f(3)
            st = "BOUND"
            If f(2) <> "*:*" Then proto = ""
        Else
            proto = ""
        End If
        If proto <> "" Then
            If pid <> "" And Not g_reDigits.Test(pid) Then proto = ""
        End If
        If proto <> "" Then
            taken = taken + 1
            If pid = "" Then NS_NOPID = True
            If st = "LISTEN" Then NS_LISTEN = True
            If Left(f(1), 1) = "[" And InStr(NS_V6, " v6" & proto) = 0 Then NS_V6 = NS_V6 & " v6" & proto
            If InStr(NS_V6, " any" & proto) = 0 Then NS_V6 = NS_V6 & " any" & proto
            lh = SplitHostPort(f(1))
            rh = SplitHostPort(f(2))
            SockAdd proto, st, lh(0), lh(1), rh(0), rh(1), pid
        End If
    Next
    ParseNetstat = taken
End Function

' Runs netstat -ano hidden (window style 0), its output redirected to a
' scratch file in the tools folder, and parses it.
Function SockFromNetstat()
    Dim cmd, text, e, taken
    SockFromNetstat = False
    On Error Resume Next
    DeleteQuietly g_netstatOut
    cmd = "%ComSpec% /s /c """"" & g_fso.BuildPath(g_fso.GetSpecialFolder(1), "NETSTAT.EXE") & _
        """ -ano > """ & g_netstatOut & """ 2>&1"""
    g_shell.Run cmd, 0, True
    If Err.Number <> 0 Then
        e = ErrText()
        Err.Clear
        LogOnce "netstat", "cannot run netstat (" & e & ")"
        Exit Function
    End If
    text = ReadFileText(g_netstatOut)
    Err.Clear
    DeleteQuietly g_netstatOut
    On Error GoTo 0
    taken = ParseNetstat(text)
    If taken = 0 Then
        LogOnce "netstat-empty", "netstat -ano printed no connection line (" & Len(text) & " bytes)"
        Exit Function
    End If
    ' What this netstat cannot show (Wine's: no PID column, no listeners,
    ' no IPv6); a real Windows always has listeners, IPv6 ones included.
    If NS_NOPID Then SockUnavailable "sockets.process_names"
    If Not NS_LISTEN Then SockUnavailable "sockets.listeners"
    If InStr(NS_V6, " v6tcp") = 0 Then SockUnavailable "sockets.tcp6"
    If InStr(NS_V6, " anyudp") = 0 Then SockUnavailable "sockets.udp"
    If InStr(NS_V6, " v6udp") = 0 Then SockUnavailable "sockets.udp6"
    SockFromNetstat = True
End Function

' One MSFT_NetTCPConnection instance.  state: its State number (2 = Listen,
' 5 = Established; the others, Bound = 100 included, are no part of a
' snapshot).  pid: its OwningProcess.  A function of plain values, so the
' test harness can feed it instances recorded on a real Windows.
Sub CimTcp(laddr, lport, raddr, rport, state, pid)
    Dim st, p
    st = ""
    Select Case LCase(CStr(state))
        Case "2", "listen": st = "LISTEN"
        Case "5", "established": st = "ESTABLISHED"
    End Select
    If st = "" Then Exit Sub
    p = CStr(pid)
    If Not g_reDigits.Test(p) Then p = ""
    SockAdd "tcp", st, laddr, lport, raddr, rport, p
End Sub

' One MSFT_NetUDPEndpoint instance (a bound UDP socket).
Sub CimUdp(laddr, lport, pid)
    Dim p
    p = CStr(pid)
    If Not g_reDigits.Test(p) Then p = ""
    SockAdd "udp", "BOUND", laddr, lport, "", "", p
End Sub

Function SockFromCim()
    Dim rows, i
    SockFromCim = False
    If IsEmpty(g_wmiStd) Then
        On Error Resume Next
        Set g_wmiStd = Nothing
        Set g_wmiStd = GetObject("winmgmts:{impersonationLevel=impersonate}!\\.\root\StandardCimv2")
        If Err.Number <> 0 Then
            LogMsg "WMI root\StandardCimv2 unavailable (" & ErrText() & "); sockets from netstat"
            Set g_wmiStd = Nothing
        End If
        Err.Clear
        On Error GoTo 0
    End If
    If g_wmiStd Is Nothing Then Exit Function
    ' Only the states a snapshot keeps: a busy server has thousands in TIME_WAIT.
    rows = WmiRowsOn(g_wmiStd, "SELECT * FROM MSFT_NetTCPConnection WHERE State = 2 OR State = 5", _
        "LocalAddress,LocalPort,RemoteAddress,RemotePort,State,OwningProcess")
    If UBound(rows) < 0 Then
        LogOnce "cim-tcp", "MSFT_NetTCPConnection returned no rows; sockets from netstat"
        Exit Function
    End If
    For i = 0 To UBound(rows)
        CimTcp StrVal(rows(i), "LocalAddress"), StrVal(rows(i), "LocalPort"), StrVal(rows(i), "RemoteAddress"), _
            StrVal(rows(i), "RemotePort"), StrVal(rows(i), "State"), StrVal(rows(i), "OwningProcess")
    Next
    rows = WmiRowsOn(g_wmiStd, "SELECT * FROM MSFT_NetUDPEndpoint", "LocalAddress,LocalPort,OwningProcess")
    If UBound(rows) < 0 Then SockUnavailable "sockets.udp"
    For i = 0 To UBound(rows)
        CimUdp StrVal(rows(i), "LocalAddress"), StrVal(rows(i), "LocalPort"), StrVal(rows(i), "OwningProcess")
    Next
    SockFromCim = True
End Function

' Names of the processes and services behind the PIDs seen.
Sub SockResolvePids()
    Dim rows, i, pid, nm
    If g_pids.Count = 0 Then Exit Sub
    rows = WmiRows("SELECT * FROM Win32_Process", "ProcessId,Name")
    If UBound(rows) < 0 Then SockUnavailable "sockets.process_names"
    For i = 0 To UBound(rows)
        pid = StrVal(rows(i), "ProcessId")
        If g_pids.Exists(pid) And Not g_pidName.Exists(pid) Then g_pidName.Add pid, StrVal(rows(i), "Name")
    Next
    rows = WmiRows("SELECT * FROM Win32_Service", "Name,ProcessId")
    For i = 0 To UBound(rows)
        pid = StrVal(rows(i), "ProcessId")
        nm = StrVal(rows(i), "Name")
        If pid <> "0" And nm <> "" And g_pids.Exists(pid) Then
            If g_pidSvc.Exists(pid) Then
                g_pidSvc.Item(pid) = MergeNames(g_pidSvc.Item(pid), nm)
            Else
                g_pidSvc.Add pid, nm
            End If
        End If
    Next
End Sub

Function PidName(pid)
    PidName = ""
    If g_pidName.Exists(pid) Then PidName = g_pidName.Item(pid)
End Function

Function PidSvc(pid)
    PidSvc = ""
    If g_pidSvc.Exists(pid) Then PidSvc = g_pidSvc.Item(pid)
End Function

' The ';'-separated names of a and b, each once, sorted (so a snapshot's
' service field does not depend on the order WMI returns services in).
Function MergeNames(a, b)
    Dim d, n, arr, i, j, t
    Set d = CreateObject("Scripting.Dictionary")
    For Each n In Split(a & ";" & b, ";")
        If n <> "" And Not d.Exists(n) Then d.Add n, True
    Next
    arr = d.Keys
    For i = 1 To UBound(arr)
        t = arr(i)
        j = i - 1
        Do While j >= 0
            If StrComp(arr(j), t, vbTextCompare) <= 0 Then Exit Do
            arr(j + 1) = arr(j)
            j = j - 1
        Loop
        arr(j + 1) = t
    Next
    MergeNames = ""
    For i = 0 To UBound(arr)
        If i > 0 Then MergeNames = MergeNames & ";"
        MergeNames = MergeNames & arr(i)
    Next
End Function

' A text field of the wire format: the UTF-8 bytes of s, each outside
' printable ASCII 0x21-0x7E, and % and , themselves, as %XX; at most 255
' bytes of s (cut at a character boundary).
Function PctEnc(ByVal s)
    Dim i, u, lo, b, nb, total, out, j
    PctEnc = ""
    If IsNull(s) Or IsEmpty(s) Then Exit Function
    s = CStr(s)
    If Len(s) <= 255 And g_reTextOk.Test(s) Then
        PctEnc = s
        Exit Function
    End If
    out = ""
    total = 0
    i = 1
    Do While i <= Len(s)
        u = UnicodeOf(Mid(s, i, 1))
        If u >= 55296 And u <= 56319 And i < Len(s) Then
            lo = UnicodeOf(Mid(s, i + 1, 1))
            If lo >= 56320 And lo <= 57343 Then
                u = 65536 + (u - 55296) * 1024 + (lo - 56320)
                i = i + 1
            End If
        End If
        ' A lone surrogate is no character: U+FFFD.
        If u >= 55296 And u <= 57343 Then u = 65533
        If u < 128 Then
            b = Array(u)
        ElseIf u < 2048 Then
            b = Array(192 + (u \ 64), 128 + (u Mod 64))
        ElseIf u < 65536 Then
            b = Array(224 + (u \ 4096), 128 + ((u \ 64) Mod 64), 128 + (u Mod 64))
        Else
            b = Array(240 + (u \ 262144), 128 + ((u \ 4096) Mod 64), 128 + ((u \ 64) Mod 64), 128 + (u Mod 64))
        End If
        nb = UBound(b) + 1
        If total + nb > 255 Then Exit Do
        total = total + nb
        For j = 0 To UBound(b)
            If b(j) >= 33 And b(j) <= 126 And b(j) <> 37 And b(j) <> 44 Then
                out = out & Chr(b(j))
            Else
                out = out & "%" & Right("0" & Hex(b(j)), 2)
            End If
        Next
        i = i + 1
    Loop
    PctEnc = out
End Function

' Indices 0..n-1 ordered by counts() descending (a stable merge sort; with
' equal counts the earlier row first).
Function OrderByCountDesc(counts, n)
    Dim idx, tmp, width, lo, md, hi, i, j, k, takeLeft
    ReDim idx(n - 1)
    ReDim tmp(n - 1)
    For i = 0 To n - 1
        idx(i) = i
    Next
    width = 1
    Do While width < n
        lo = 0
        Do While lo < n
            md = lo + width
            If md > n Then md = n
            hi = lo + 2 * width
            If hi > n Then hi = n
            i = lo
            j = md
            For k = lo To hi - 1
                takeLeft = False
                If i < md Then
                    If j >= hi Then
                        takeLeft = True
                    ElseIf counts(idx(i)) >= counts(idx(j)) Then
                        takeLeft = True
                    End If
                End If
                If takeLeft Then
                    tmp(k) = idx(i)
                    i = i + 1
                Else
                    tmp(k) = idx(j)
                    j = j + 1
                End If
            Next
            For k = lo To hi - 1
                idx(k) = tmp(k)
            Next
            lo = hi
        Loop
        width = width * 2
    Loop
    OrderByCountDesc = idx
End Function

' The snapshot's lines: its header, one listen line per (proto, address,
' port, user, process) with the services merged, then the established
' connections aggregated by (direction, local address, the service port,
' remote address, user, process, service) with their count.  At most
' maxRows rows and SNAP_MAX_BYTES bytes: listeners first, then the
' connection rows with the highest counts; the rest is counted as dropped.
Function SockBuild(ts, source, maxRows)
    Dim lsn, v, key, pkey, conn, e, ck, i, keys, counts, order, n, rows, nl, nc, dropped, bytes, ln, svc
    Set lsn = CreateObject("Scripting.Dictionary")
    For Each key In g_lsn.Keys
        v = g_lsn.Item(key)
        pkey = v(0) & "," & v(1) & "," & v(2) & ",," & PctEnc(PidName(v(3)))
        svc = PidSvc(v(3))
        If lsn.Exists(pkey) Then
            lsn.Item(pkey) = MergeNames(lsn.Item(pkey), svc)
        Else
            lsn.Add pkey, svc
        End If
    Next
    ' Ephemeral ports are not kept: an inbound connection keeps the local
    ' (listening) port, an outbound one the remote (server) port.
    Set conn = CreateObject("Scripting.Dictionary")
    For i = 0 To g_estN - 1
        e = g_est(i)
        If g_lsnPorts.Exists(e(1)) Then
            ck = "in,tcp," & e(0) & "," & e(1) & "," & e(2) & ",0"
        Else
            ck = "out,tcp," & e(0) & ",0," & e(2) & "," & e(3)
        End If
        ck = ck & ",," & PctEnc(PidName(e(4))) & "," & PctEnc(PidSvc(e(4)))
        If conn.Exists(ck) Then
            conn.Item(ck) = conn.Item(ck) + 1
        Else
            conn.Add ck, 1
        End If
    Next
    ReDim rows(lsn.Count + conn.Count)
    nl = 0
    nc = 0
    dropped = 0
    bytes = 64
    For Each key In lsn.Keys
        ln = ts & ",listen," & key & "," & PctEnc(lsn.Item(key)) & vbLf
        If nl < maxRows And bytes + Len(ln) <= SNAP_MAX_BYTES Then
            rows(nl) = ln
            nl = nl + 1
            bytes = bytes + Len(ln)
        Else
            dropped = dropped + 1
        End If
    Next
    n = conn.Count
    If n > 0 Then
        keys = conn.Keys
        counts = conn.Items
        order = OrderByCountDesc(counts, n)
        For i = 0 To n - 1
            ln = ts & ",conn," & keys(order(i)) & "," & counts(order(i)) & vbLf
            If nl + nc < maxRows And bytes + Len(ln) <= SNAP_MAX_BYTES Then
                rows(nl + nc) = ln
                nc = nc + 1
                bytes = bytes + Len(ln)
            Else
                dropped = dropped + 1
            End If
        Next
    End If
    If dropped > 0 Then LogOnce "sockets-cap", "socket snapshot over " & maxRows & " rows: " & dropped & _
        " rows left out (reported in the snapshot header; logged once)"
    SockBuild = ts & ",snapshot," & source & "," & nl & "," & nc & "," & dropped & vbLf & JoinAll(rows, 0, nl + nc - 1)
End Function

Sub TakeSnapshot()
    Dim ts, text, e
    RefreshBias
    SockReset
    SOCK_SOURCE = ""
    On Error Resume Next
    If SockFromCim() Then SOCK_SOURCE = "cim"
    If Err.Number <> 0 Then NoteSamplerError "sockets (cim)"
    If SOCK_SOURCE = "" Then
        SockReset
        SockUnavailable "sockets.cim"
        If SockFromNetstat() Then SOCK_SOURCE = "netstat"
        If Err.Number <> 0 Then NoteSamplerError "sockets (netstat)"
    End If
    If SOCK_SOURCE = "" Then
        Err.Clear
        SockUnavailable "sockets"
        LogOnce "sockets", "no socket source (neither WMI root\StandardCimv2 nor netstat); no snapshot"
        Exit Sub
    End If
    ' The time the table was read (netstat can take seconds on a busy host).
    ' The receiver keys a snapshot by its second: never reuse one.
    NOW_S = EpochNow()
    ts = FmtInt(Int(NOW_S))
    If LAST_SNAP_TS <> "" Then
        If CDbl(ts) <= CDbl(LAST_SNAP_TS) Then ts = FmtInt(CDbl(LAST_SNAP_TS) + 1)
    End If
    SockResolvePids
    If Err.Number <> 0 Then NoteSamplerError "sockets (process names)"
    text = SockBuild(ts, SOCK_SOURCE, PM_SOCKETS_MAX_ROWS)
    If Err.Number <> 0 Then
        NoteSamplerError "sockets"
        Exit Sub
    End If
    On Error GoTo 0
    SNAPSHOTS = SNAPSHOTS + 1
    LAST_SNAP_TS = ts
    SpoolAppend SP_SOCKETS, text
End Sub

' ============================================================================
' Spool
' ============================================================================
' Two spools with the same rules: spool.csv (metric lines, index SP_METRICS)
' and sockets.csv (socket snapshots, index SP_SOCKETS).  Each holds the lines
' not yet acknowledged by the appliance, oldest first, LF-terminated ASCII.
' Lines leave a spool only after a 2xx (replays are harmless: the receiver
' de-duplicates), or when the size cap drops the oldest ones.  A rewrite goes
' through the spool's .tmp file, which replaces the spool only once complete
' (a crash in between is repaired at the next start).  The sockets spool is
' only ever cut (by the cap or into chunks) at a snapshot boundary.

Sub SpoolRecover(k)
    On Error Resume Next
    If g_fso.FileExists(SP_TMP(k)) Then
        If g_fso.FileExists(SP_FILE(k)) Then
            ' The rewrite did not finish: the old spool is still whole.
            g_fso.DeleteFile SP_TMP(k), True
        Else
            g_fso.MoveFile SP_TMP(k), SP_FILE(k)
        End If
    End If
    Err.Clear
End Sub

Sub SpoolRewrite(k, text)
    WriteFileText SP_TMP(k), text
    If g_fso.FileExists(SP_FILE(k)) Then g_fso.DeleteFile SP_FILE(k), True
    g_fso.MoveFile SP_TMP(k), SP_FILE(k)
    SP_BYTES(k) = FileSize(SP_FILE(k))
End Sub

Sub SpoolAppend(k, text)
    Dim ts, e
    If text = "" Then Exit Sub
    On Error Resume Next
    Set ts = g_fso.OpenTextFile(SP_FILE(k), FOR_APPENDING, True)
    If Err.Number = 0 Then ts.Write text
    If Err.Number = 0 Then ts.Close
    If Err.Number = 0 Then
        SP_BYTES(k) = SP_BYTES(k) + Len(text)
    Else
        e = ErrText()
        ts.Close
        Err.Clear
        LogMsg "cannot append to " & SP_NAME(k) & " (disk full?): " & e
        SpoolRepair k
    End If
    Err.Clear
    On Error GoTo 0
    SpoolEnforceCap k
End Sub

' A crash or full disk can leave a partial last line; terminate it so the
' next write is not glued to it (the upload filter drops the remnant).
Sub SpoolRepair(k)
    Dim s, ts
    On Error Resume Next
    SP_BYTES(k) = FileSize(SP_FILE(k))
    If SP_BYTES(k) <= 0 Then Exit Sub
    s = ReadFileText(SP_FILE(k))
    If Right(s, 1) <> vbLf Then
        Set ts = g_fso.OpenTextFile(SP_FILE(k), FOR_APPENDING, True)
        ts.Write vbLf
        ts.Close
    End If
    Err.Clear
    SP_BYTES(k) = FileSize(SP_FILE(k))
End Sub

' Position of the first character of the first snapshot header line that
' starts at or after position from (0 when there is none).
Function SnapStartFrom(s, from)
    Dim p, q, ls
    SnapStartFrom = 0
    p = from
    Do
        q = InStr(p, s, ",snapshot,")
        If q = 0 Then Exit Function
        ls = InStrRev(s, vbLf, q) + 1
        If ls >= from And g_reDigits.Test(Mid(s, ls, q - ls)) Then
            SnapStartFrom = ls
            Exit Function
        End If
        p = q + 1
    Loop
End Function

' Position of the last snapshot header line starting after position 1 and
' at or before position upTo (0 when there is none).
Function LastSnapStart(s, upTo)
    Dim p, q
    LastSnapStart = 0
    p = 2
    Do
        q = SnapStartFrom(s, p)
        If q = 0 Or q > upTo Then Exit Function
        LastSnapStart = q
        p = q + 1
    Loop
End Function

' Over the cap, drop the oldest lines (whole snapshots from sockets.csv) down
' to 90 % of it, so that a long outage trims every few writes instead of
' after every one.
Sub SpoolEnforceCap(k)
    Dim s, need, p, head, lines, e
    If SP_BYTES(k) <= PM_SPOOL_MAX_BYTES Then Exit Sub
    On Error Resume Next
    s = ReadFileText(SP_FILE(k))
    need = Len(s) - (PM_SPOOL_MAX_BYTES - Int(PM_SPOOL_MAX_BYTES / 10))
    If need <= 0 Then
        SP_BYTES(k) = Len(s)
        Exit Sub
    End If
    If k = SP_SOCKETS Then
        p = SnapStartFrom(s, CLng(need) + 1)
        If p > 0 Then p = p - 1
    Else
        p = InStr(CLng(need), s, vbLf)
    End If
    If p = 0 Then p = Len(s)
    head = Left(s, p)
    lines = Len(head) - Len(Replace(head, vbLf, ""))
    If Right(head, 1) <> vbLf Then lines = lines + 1
    SpoolRewrite k, Mid(s, p + 1)
    If Err.Number <> 0 Then
        e = ErrText()
        Err.Clear
        LogMsg "cannot trim " & SP_NAME(k) & ": " & e
        SP_BYTES(k) = FileSize(SP_FILE(k))
        Exit Sub
    End If
    SP_DROPPED(k) = SP_DROPPED(k) + lines
    LogMsg SP_NAME(k) & " over " & FmtInt(PM_SPOOL_MAX_BYTES) & " bytes: dropped " & lines & " oldest lines (" & FmtInt(SP_DROPPED(k)) & " in total)"
End Sub

' Takes the first lines of spool k, up to CHUNK_MAX_BYTES and always whole
' lines (whole snapshots for sockets.csv), into CH_BODY.  Lines that do not
' match the line grammar (a torn write) are consumed but not sent, so one bad
' line cannot block the spool with 400s forever; in sockets.csv a snapshot
' with any bad line, or whose counts do not match its header, goes as a whole.
Sub MakeChunk(k)
    Dim ts, raw, p, q, lines, i, good, extra
    CH_LINES = 0
    CH_BYTES = 0
    CH_GOOD = 0
    CH_BAD = 0
    CH_MORE = False
    CH_BODY = ""
    Set ts = g_fso.OpenTextFile(SP_FILE(k), FOR_READING)
    raw = ""
    If Not ts.AtEndOfStream Then raw = ts.Read(CHUNK_MAX_BYTES)
    CH_MORE = Not ts.AtEndOfStream
    If raw = "" Then
        ts.Close
        Exit Sub
    End If
    p = InStrRev(raw, vbLf)
    If p = 0 Then
        ' No line end within a whole chunk: one giant garbage line.  Consume
        ' it up to its end (or the end of the file) and send nothing.
        CH_BYTES = Len(raw)
        Do While Not ts.AtEndOfStream
            extra = ts.Read(65536)
            p = InStr(extra, vbLf)
            If p > 0 Then
                CH_BYTES = CH_BYTES + p
                Exit Do
            End If
            CH_BYTES = CH_BYTES + Len(extra)
        Loop
        CH_MORE = (CH_BYTES < FileSize(SP_FILE(k)))
        ts.Close
        CH_LINES = 1
        CH_BAD = 1
        LogMsg "skipping 1 malformed " & SP_NAME(k) & " line"
        Exit Sub
    End If
    ts.Close
    If p < Len(raw) Then CH_MORE = True
    ' A chunk of sockets.csv that does not reach the end ends before the last
    ' snapshot that starts in it, which may continue past the chunk.
    If k = SP_SOCKETS And CH_MORE Then
        q = LastSnapStart(raw, p)
        If q > 1 Then p = q - 1
    End If
    CH_BYTES = p
    If p = 1 Then
        lines = Array("")
    Else
        lines = Split(Left(raw, p - 1), vbLf)
    End If
    CH_LINES = UBound(lines) + 1
    ReDim good(UBound(lines))
    If k = SP_SOCKETS Then
        SnapshotCheck lines, good
    Else
        For i = 0 To UBound(lines)
            If g_reLine.Test(lines(i)) Then
                good(CH_GOOD) = lines(i) & vbLf
                CH_GOOD = CH_GOOD + 1
            Else
                CH_BAD = CH_BAD + 1
            End If
        Next
    End If
    If CH_BAD = 0 Then
        CH_BODY = Left(raw, p)
    ElseIf CH_GOOD > 0 Then
        CH_BODY = JoinAll(good, 0, CH_GOOD - 1)
    End If
    If CH_BAD > 0 Then LogMsg "skipping " & CH_BAD & " malformed " & SP_NAME(k) & " lines"
End Sub

' Copies the whole, well-formed snapshots among lines into good (each with
' its LF), counting lines in CH_GOOD and CH_BAD.  A snapshot is well formed
' when every line matches the grammar with the header's timestamp and the
' header's listener and connection counts match the lines that follow.
Sub SnapshotCheck(lines, good)
    Dim i, j, first, ms, m, ts, nl, nc, ok, kind
    i = 0
    Do While i <= UBound(lines)
        If Not g_reSnapHead.Test(lines(i)) Then
            ' A line outside any snapshot (the rest of a torn one).
            CH_BAD = CH_BAD + 1
            i = i + 1
        Else
            Set ms = g_reSnapHead.Execute(lines(i))
            Set m = ms.Item(0)
            ts = m.SubMatches(0)
            first = i
            nl = 0
            nc = 0
            ok = True
            j = i + 1
            Do While j <= UBound(lines)
                If g_reSnapHead.Test(lines(j)) Then Exit Do
                kind = ""
                If g_reSnapRow.Test(lines(j)) Then
                    Set ms = g_reSnapRow.Execute(lines(j))
                    Set m = ms.Item(0)
                    If m.SubMatches(0) = ts Then kind = m.SubMatches(1) & m.SubMatches(2)
                End If
                If kind = "listen" Then
                    nl = nl + 1
                ElseIf kind = "conn" Then
                    nc = nc + 1
                Else
                    ok = False
                End If
                j = j + 1
            Loop
            Set ms = g_reSnapHead.Execute(lines(first))
            Set m = ms.Item(0)
            If ok And CStr(nl) = m.SubMatches(2) And CStr(nc) = m.SubMatches(3) Then
                For i = first To j - 1
                    good(CH_GOOD) = lines(i) & vbLf
                    CH_GOOD = CH_GOOD + 1
                Next
            Else
                CH_BAD = CH_BAD + (j - first)
            End If
            i = j
        End If
    Loop
End Sub

' Appends the chunk the appliance refused with 400 to the spool's rejected
' file, which is capped like the spool: once it is full the chunk stays
' spooled as for any other failure (an appliance or proxy refusing everything
' must not empty it).
Function SetAsideChunk(k)
    Dim ts, e
    SetAsideChunk = False
    If FileSize(SP_REJ(k)) + Len(CH_BODY) > PM_SPOOL_MAX_BYTES Then
        LogMsg "appliance refused " & CH_GOOD & " lines (HTTP 400) and " & SP_REJ(k) & " is full; keeping them spooled"
        Exit Function
    End If
    On Error Resume Next
    Set ts = g_fso.OpenTextFile(SP_REJ(k), FOR_APPENDING, True)
    If Err.Number = 0 Then ts.Write CH_BODY
    If Err.Number = 0 Then ts.Close
    If Err.Number <> 0 Then
        e = ErrText()
        Err.Clear
        On Error GoTo 0
        LogMsg "cannot write " & SP_REJ(k) & ": " & e
        Exit Function
    End If
    On Error GoTo 0
    SP_REJECTED(k) = SP_REJECTED(k) + CH_GOOD
    LogMsg "appliance refused " & CH_GOOD & " lines (HTTP 400); set aside in " & SP_REJ(k) & ", continuing with the next"
    SetAsideChunk = True
End Function

' Removes the lines of the last chunk from the head of spool k.
Sub DropChunkFromSpool(k)
    Dim ts, rest
    If Not CH_MORE Then
        ' The chunk was the whole spool: no copy needed.
        WriteFileText SP_FILE(k), ""
        SP_BYTES(k) = 0
        Exit Sub
    End If
    Set ts = g_fso.OpenTextFile(SP_FILE(k), FOR_READING)
    ' TextStream.Skip is missing in Wine; reading past the chunk does the same.
    ts.Read CH_BYTES
    rest = ""
    If Not ts.AtEndOfStream Then rest = ts.ReadAll
    ts.Close
    SpoolRewrite k, rest
End Sub

' ============================================================================
' Upload
' ============================================================================

Sub Retire()
    LogMsg "appliance answered 410 (collector expired or retired); exiting"
    Finish "retired", 0
End Sub

' Sends spool k chunk by chunk.  Returns UP_DONE (spool empty or all
' refused chunks set aside), UP_FAILED (keep the rest, back off) or
' UP_PENDING (a sample is due: return early, the caller resumes after it);
' adds the lines delivered to sent.
Function UploadSpool(k, ByRef sent)
    Dim code, e
    UploadSpool = UP_DONE
    Do While FileSize(SP_FILE(k)) > 0
        On Error Resume Next
        MakeChunk k
        If Err.Number <> 0 Then
            e = ErrText()
            Err.Clear
            On Error GoTo 0
            LogMsg "cannot read " & SP_NAME(k) & ": " & e
            UploadSpool = UP_FAILED
            Exit Function
        End If
        On Error GoTo 0
        If CH_LINES = 0 Then Exit Function
        If CH_GOOD > 0 Then
            NOW_S = EpochNow()
            LAST_UPLOAD_AT = FmtInt(Int(NOW_S))
            code = HttpPost(PM_URL & SP_API(k), "text/plain", CH_BODY)
            LAST_UPLOAD_STATUS = code
            If Left(code, 1) = "2" Then
                LAST_UPLOAD_OK_AT = FmtInt(Int(EpochNow()))
                sent = sent + CH_GOOD
            ElseIf code = "410" Then
                Retire
            ElseIf code = "400" Then
                ' Refused for what the local line check cannot see (e.g. a
                ' timestamp from a clock that was far off): set the chunk
                ' aside so it stops blocking the spool, and go on.
                If Not SetAsideChunk(k) Then
                    UploadSpool = UP_FAILED
                    Exit Function
                End If
            Else
                LogMsg "upload failed (HTTP " & code & ") " & g_httpError & "; keeping " & _
                    FmtInt(FileSize(SP_FILE(k))) & " bytes in the " & SP_NAME(k)
                UploadSpool = UP_FAILED
                Exit Function
            End If
        End If
        On Error Resume Next
        DropChunkFromSpool k
        If Err.Number <> 0 Then
            e = ErrText()
            Err.Clear
            On Error GoTo 0
            ' The lines stay and are sent again: harmless, the receiver de-duplicates.
            LogMsg "cannot remove sent lines from " & SP_NAME(k) & ": " & e
            UploadSpool = UP_FAILED
            Exit Function
        End If
        On Error GoTo 0
        NOW_S = EpochNow()
        If NOW_S >= NEXT_SAMPLE And FileSize(SP_FILE(k)) > 0 Then
            UploadSpool = UP_PENDING
            Exit Function
        End If
    Loop
End Function

' One upload cycle: hello (until acknowledged), then the samples spool, then
' the sockets spool.  With a large backlog it returns early when a sample is
' due and sets UPLOAD_PENDING, so sampling keeps its cadence.
Sub UploadCycle()
    Dim failed, helloFailed, sent, code, maxP, k, r
    UPLOAD_PENDING = False
    If g_httpClient = "none" Or g_tlsMode = "blocked" Then
        ' Nothing to send with (or nothing that can verify the appliance):
        ' just keep the schedule (and the main loop asleep).
        NEXT_UPLOAD = Int(EpochNow()) + UPLOAD_PERIOD
        Exit Sub
    End If
    failed = False
    helloFailed = False
    sent = 0
    NOW_S = EpochNow()
    If HELLO_OK <> 1 Then
        LAST_UPLOAD_AT = FmtInt(Int(NOW_S))
        code = HttpPost(PM_URL & "/api/v1/hello", "application/json", HELLO_JSON)
        LAST_UPLOAD_STATUS = code
        If Left(code, 1) = "2" Then
            HELLO_OK = 1
            LogMsg "hello acknowledged (" & code & ")"
        ElseIf code = "410" Then
            Retire
        Else
            helloFailed = True
            LogMsg "hello failed (HTTP " & code & ") " & g_httpError & "; will retry"
        End If
    End If
    For k = SP_METRICS To SP_SOCKETS
        r = UploadSpool(k, sent)
        If r = UP_FAILED Then
            failed = True
            Exit For
        ElseIf r = UP_PENDING Then
            UPLOAD_PENDING = True
            Exit For
        End If
    Next
    If sent > 0 Then LogMsg "uploaded " & sent & " lines"
    NOW_S = EpochNow()
    If failed Or (helloFailed And sent = 0) Then
        UPLOAD_PENDING = False
        UPLOAD_PERIOD = UPLOAD_PERIOD * 2
        maxP = BACKOFF_MAX_S
        If PM_UPLOAD_S > maxP Then maxP = PM_UPLOAD_S
        If UPLOAD_PERIOD > maxP Then UPLOAD_PERIOD = maxP
        LogMsg "next upload attempt in " & UPLOAD_PERIOD & "s"
    Else
        UPLOAD_PERIOD = PM_UPLOAD_S
    End If
    NEXT_UPLOAD = Int(NOW_S) + UPLOAD_PERIOD
End Sub

' ============================================================================
' Main loop
' ============================================================================

' Objects and patterns every part uses (also the harness's probes of single
' functions, which call this and then the function under test).
Sub InitGlobals()
    Set g_fso = CreateObject("Scripting.FileSystemObject")
    Set g_shell = CreateObject("WScript.Shell")
    Set g_logged = CreateObject("Scripting.Dictionary")
    Set g_wmi = Nothing
    g_wmiStd = Empty
    Set g_reLine = NewRegExp("^[0-9]+,[a-z][a-z0-9_.]{0,63},-?[0-9]+(\.[0-9]+)?$")
    Set g_reUint = NewRegExp("^[0-9]{1,20}$")
    Set g_reDigits = NewRegExp("^[0-9]+$")
    Set g_reStatus = NewRegExp("^[0-9][0-9][0-9]$")
    Set g_reNonAscii = NewRegExp("[^\x00-\x7E]")
    g_reNonAscii.Global = True
    Set g_reCtl = NewRegExp("[\x00-\x1F\x7F]")
    Set g_reSnapHead = NewRegExp("^([0-9]{9,11}),snapshot,(proc|cim|netstat),([0-9]+),([0-9]+),([0-9]+)$")
    ' A text field: percent-encoded, so no byte outside 0x21-0x7E and no comma.
    Set g_reSnapRow = NewRegExp("^([0-9]{9,11}),(?:(listen),(?:tcp|udp),[0-9a-f.:]{2,45},[0-9]{1,5}" & _
        "(?:,[!-+\--~]*){3}|(conn),(?:in|out),tcp,[0-9a-f.:]{2,45},[0-9]{1,5},[0-9a-f.:]{2,45},[0-9]{1,5}" & _
        "(?:,[!-+\--~]*){3},[1-9][0-9]*)$")
    Set g_reTextOk = NewRegExp("^[!-$&-+\--~]*$")
    Set g_reIPv4 = NewRegExp("^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$")
    Set g_reIPv6 = NewRegExp("^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}(:[0-9]{1,3}(\.[0-9]{1,3}){3})?$")
    Set g_reSpaces = NewRegExp("\s+")
    g_reSpaces.Global = True
    SOCK_SOURCE = ""
    Set SOCK_UNAVAIL = CreateObject("Scripting.Dictionary")
    SockReset
    Set g_ids = CreateObject("Scripting.Dictionary")
    Set g_diskNames = CreateObject("Scripting.Dictionary")
    Set g_vols = CreateObject("Scripting.Dictionary")
    P_DEVS = Empty
End Sub

Sub Main()
    Dim bad, v, wake, ts, k

    InitGlobals
    g_pid = ""
    g_pidMethod = ""
    g_haveLock = False
    g_httpClient = "none"
    g_httpProgId = ""
    STOP_REASON = ""
    g_pingExe = g_fso.BuildPath(g_fso.GetSpecialFolder(1), "PING.EXE")

    ' The tools folder: rendered as %WINDIR%\Temp\perfmetrics\tools.
    ' Nowhere to log yet: an unusable folder just ends the script (status 2).
    g_dir = ""
    If g_reCtl.Test(PM_TOOLS_DIR) = False Then g_dir = Trim(Expand(PM_TOOLS_DIR))
    If g_dir = "" Then WScript.Quit 2
    On Error Resume Next
    g_dir = g_fso.GetAbsolutePathName(g_dir)
    If Err.Number = 0 Then EnsureFolder g_dir
    If Err.Number <> 0 Then WScript.Quit 2
    If Not g_fso.FolderExists(g_dir) Then WScript.Quit 2
    On Error GoTo 0
    ' Planted folders (BUILTIN\Users may create folders in %WINDIR%\Temp): the
    ' folder and its parent must be plain folders, no junction or link, owned by
    ' SYSTEM, Administrators or this account; otherwise nothing is written there
    ' (docs/tools-folders.md).
    If Not FolderSafe(g_dir) Then WScript.Quit 2
    If Not FolderSafe(g_fso.GetParentFolderName(g_dir)) Then WScript.Quit 2
    g_pidfile = g_fso.BuildPath(g_dir, "collector.pid")
    g_lockfile = g_fso.BuildPath(g_dir, "collector.lock")
    g_statefile = g_fso.BuildPath(g_dir, "collector.state")
    SP_FILE(SP_METRICS) = g_fso.BuildPath(g_dir, "spool.csv")
    SP_TMP(SP_METRICS) = g_fso.BuildPath(g_dir, "spool.tmp")
    SP_REJ(SP_METRICS) = g_fso.BuildPath(g_dir, "rejected.csv")
    SP_API(SP_METRICS) = "/api/v1/metrics"
    SP_NAME(SP_METRICS) = "spool"
    SP_FILE(SP_SOCKETS) = g_fso.BuildPath(g_dir, "sockets.csv")
    SP_TMP(SP_SOCKETS) = g_fso.BuildPath(g_dir, "sockets.tmp")
    SP_REJ(SP_SOCKETS) = g_fso.BuildPath(g_dir, "rejected-sockets.csv")
    SP_API(SP_SOCKETS) = "/api/v1/sockets"
    SP_NAME(SP_SOCKETS) = "sockets spool"
    g_netstatOut = g_fso.BuildPath(g_dir, ".netstat.out")
    g_logfile = g_fso.BuildPath(g_dir, "collector.log")
    g_hellofile = g_fso.BuildPath(g_dir, "hello.json")
    g_stopfile = g_fso.BuildPath(g_dir, "collector.stop")
    g_authfile = g_fso.BuildPath(g_dir, ".auth")
    g_chunkfile = g_fso.BuildPath(g_dir, ".chunk")
    g_respfile = g_fso.BuildPath(g_dir, ".http.out")
    g_errfile = g_fso.BuildPath(g_dir, ".http.err")
    g_cafile = g_fso.BuildPath(g_dir, "ca.pem")
    g_cloudfile = g_fso.BuildPath(g_dir, ".cloud")

    WmiConnect
    RefreshBias
    DetectSleep

    bad = ""
    v = ParseUInt(PM_INTERVAL_S, 9)
    If IsEmpty(v) Then
        bad = bad & " INTERVAL_S"
    ElseIf v < 1 Then
        bad = bad & " INTERVAL_S"
    Else
        PM_INTERVAL_S = CLng(v)
    End If
    v = ParseUInt(PM_UPLOAD_S, 9)
    If IsEmpty(v) Then
        bad = bad & " UPLOAD_S"
    ElseIf v < 1 Then
        bad = bad & " UPLOAD_S"
    Else
        PM_UPLOAD_S = CLng(v)
    End If
    v = ParseUInt(PM_TTL_S, 9)
    If IsEmpty(v) Then bad = bad & " TTL_S" Else PM_TTL_S = CLng(v)
    ' Can exceed CLng's 2 GiB range: kept as a Double.
    v = ParseUInt(PM_SPOOL_MAX_BYTES, 15)
    If IsEmpty(v) Then
        bad = bad & " SPOOL_MAX_BYTES"
    ElseIf v < 1 Then
        bad = bad & " SPOOL_MAX_BYTES"
    Else
        PM_SPOOL_MAX_BYTES = v
    End If
    v = ParseUInt(PM_SOCKETS_S, 9)
    If IsEmpty(v) Then bad = bad & " SOCKETS_S" Else PM_SOCKETS_S = CLng(v)
    v = ParseUInt(PM_SOCKETS_MAX_ROWS, 9)
    If IsEmpty(v) Then
        bad = bad & " SOCKETS_MAX_ROWS"
    ElseIf v < 1 Then
        bad = bad & " SOCKETS_MAX_ROWS"
    Else
        PM_SOCKETS_MAX_ROWS = CLng(v)
    End If
    If Not NewRegExp("^https?://[^\s\x00-\x1F\x7F]+$").Test(LCase(PM_URL)) Then
        bad = bad & " URL"
    ElseIf Right(PM_URL, 1) = "/" Then
        PM_URL = Left(PM_URL, Len(PM_URL) - 1)
    End If
    If Not NewRegExp("^http://[^\s\x00-\x1F\x7F]+$").Test(LCase(PM_METADATA_URL)) Then
        bad = bad & " METADATA_URL"
    ElseIf Right(PM_METADATA_URL, 1) = "/" Then
        PM_METADATA_URL = Left(PM_METADATA_URL, Len(PM_METADATA_URL) - 1)
    End If
    ' A line break in the token could inject headers into the request.
    If PM_TOKEN = "" Or g_reCtl.Test(PM_TOKEN) Then bad = bad & " TOKEN"
    If bad <> "" Then
        LogMsg "invalid rendered parameters:" & bad & "; exiting"
        WScript.Quit 2
    End If

    AcquireInstance
    ' A stop request left over from an earlier run does not apply to this one.
    DeleteQuietly g_stopfile

    NOW_S = EpochNow()
    STARTED_AT = FmtInt(Int(NOW_S))
    EXPIRES_AT = FmtInt(Int(NOW_S) + PM_TTL_S)
    SAMPLES = 0
    SNAPSHOTS = 0
    LAST_SNAP_TS = ""
    For k = SP_METRICS To SP_SOCKETS
        SP_DROPPED(k) = 0
        SP_REJECTED(k) = 0
    Next
    LAST_TS = ""
    LAST_UPLOAD_AT = ""
    LAST_UPLOAD_STATUS = ""
    LAST_UPLOAD_OK_AT = ""
    HELLO_OK = 0
    UPLOAD_PERIOD = PM_UPLOAD_S
    UPLOAD_PENDING = False
    CPU_BUSY_OK = False
    CPU_COUNT_OK = False
    MEMTOTAL_OK = False
    MEMAVAIL_OK = False
    DISK_OK = False
    FS_OK = False
    NET_OK = False
    LoadPreviousState
    For k = SP_METRICS To SP_SOCKETS
        SpoolRecover k
        SP_BYTES(k) = FileSize(SP_FILE(k))
    Next
    ' Readers over SMB must not see the previous run's "stopped" meanwhile.
    WriteState "running"
    LogMsg "starting collector v" & PM_VERSION & " (interval " & PM_INTERVAL_S & "s, upload " & PM_UPLOAD_S & _
        "s, expires at " & EXPIRES_AT & "; pid via " & g_pidMethod & ", sleep via " & g_sleepMode & _
        ", time-zone bias " & g_biasMin & " min from " & g_biasSource & ")"

    DetectHttpClient
    SetupTls
    WriteAuthFile
    For k = SP_METRICS To SP_SOCKETS
        SpoolRepair k
        SpoolEnforceCap k
    Next

    ' The first sample primes the rate counters and tells which metrics this
    ' host can provide, which the hello reports.
    TakeSample
    NEXT_SAMPLE = CDbl(TS) + PM_INTERVAL_S
    ' The first snapshot likewise shows which socket sources this host has.
    If PM_SOCKETS_S > 0 Then
        TakeSnapshot
        NEXT_SNAPSHOT = Int(EpochNow()) + PM_SOCKETS_S
    Else
        SOCK_UNAVAIL.Add "sockets", True
    End If
    DetectCloud
    HELLO_JSON = BuildHello()
    On Error Resume Next
    WriteFileText g_hellofile, HELLO_JSON
    Err.Clear
    On Error GoTo 0
    If CLOUD_PROVIDER = "" Then LogMsg "cloud: none" Else LogMsg "cloud: " & CLOUD_PROVIDER
    NEXT_UPLOAD = Int(EpochNow())
    WriteState "running"

    Do
        NOW_S = EpochNow()
        If NOW_S >= CDbl(EXPIRES_AT) Then
            LogMsg "TTL reached; flushing the spool once before exiting"
            UploadCycle
            Finish "expired", 0
        End If
        ' A wall clock stepped back would otherwise stall sampling until it
        ' caught up again.
        If NEXT_SAMPLE > NOW_S + PM_INTERVAL_S + 1 Then NEXT_SAMPLE = Int(NOW_S) + 1
        If NEXT_UPLOAD > NOW_S + UPLOAD_PERIOD + 1 Then NEXT_UPLOAD = Int(NOW_S) + 1
        If NOW_S >= NEXT_SAMPLE Then
            TakeSample
            NEXT_SAMPLE = NEXT_SAMPLE + PM_INTERVAL_S
            ' After a long stall, resume the cadence instead of bursting.
            If NEXT_SAMPLE <= NOW_S Then NEXT_SAMPLE = Int(NOW_S) + PM_INTERVAL_S
        End If
        If PM_SOCKETS_S > 0 Then
            If NEXT_SNAPSHOT > NOW_S + PM_SOCKETS_S + 1 Then NEXT_SNAPSHOT = Int(NOW_S) + 1
            If NOW_S >= NEXT_SNAPSHOT Then
                TakeSnapshot
                NEXT_SNAPSHOT = NEXT_SNAPSHOT + PM_SOCKETS_S
                If NEXT_SNAPSHOT <= NOW_S Then NEXT_SNAPSHOT = Int(NOW_S) + PM_SOCKETS_S
            End If
        End If
        If UPLOAD_PENDING Or NOW_S >= NEXT_UPLOAD Then
            UploadCycle
            RotateLog
            WriteState "running"
        End If
        If Not UPLOAD_PENDING Then
            wake = NEXT_SAMPLE
            If NEXT_UPLOAD < wake Then wake = NEXT_UPLOAD
            If PM_SOCKETS_S > 0 And NEXT_SNAPSHOT < wake Then wake = NEXT_SNAPSHOT
            If CDbl(EXPIRES_AT) < wake Then wake = CDbl(EXPIRES_AT)
            If SleepUntil(wake) Then
                LogMsg "stop requested (collector.stop)"
                Finish "stopped", 0
            End If
        End If
    Loop
End Sub

' Any runtime error that escapes Main (none is expected) lands here instead
' of ending the script silently under //B: log it, clean up, exit 1.
Dim g_fatal
On Error Resume Next
Main
If Err.Number <> 0 Then
    g_fatal = ErrText()
    Err.Clear
    LogMsg "fatal error: " & g_fatal
    STOP_REASON = "error"
    Cleanup
    WScript.Quit 1
End If
