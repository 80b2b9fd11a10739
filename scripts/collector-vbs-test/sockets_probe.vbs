' ---- sockets probe (collector-vbs-test) -------------------------------------
' The harness appends this to a rendered collector.vbs from which it cut the
' top-level call of Main, so the functions below are the collector's own.
'   cscript probe.vbs netstat FIXTURE PIDNAMES SERVICES MAXROWS
'       parses FIXTURE (lines starting with '#' are its source header) with
'       ParseNetstat and prints what was taken, then the snapshot SockBuild
'       makes of it with the given PID -> name and PID -> service maps
'       ("988=svchost.exe;4=System", "-" for none) and row cap:
'         L proto,address,port,pid        a listener or bound UDP socket
'         E laddr,lport,raddr,rport,pid   an established connection
'         F nopid=0|1 listen=0|1 seen=<NS_V6>
'         S <snapshot line>
'   cscript probe.vbs cim CALLS PIDNAMES SERVICES MAXROWS
'       feeds the collector's CimTcp / CimUdp (what its WMI loop calls per
'       MSFT_NetTCPConnection / MSFT_NetUDPEndpoint instance) the instances
'       in CALLS, one a line, tab-separated (written by analyze.py cimcalls
'       from a recorded fixture):
'         tcp laddr lport raddr rport state-number pid
'         udp laddr lport pid
'       and prints "calls=<n>", the L and E lines as above and the snapshot
'       SockBuild makes of it with source "cim".
'   cscript probe.vbs enc
'       prints PctEnc of hostile process names, one "<n>=<encoded>" a line.
'   cscript probe.vbs disks
'       runs the collector's SampleDisk and SampleFs twice, 2 s apart, and
'       its BuildHello, on a stand-in for WMI (FakeWmi below) serving
'       PhysicalDisk counters of three disks (one appears in the second
'       reading only), one fixed drive C: whose Size is what FileSystemObject
'       says of C: (so that the collector's check accepts it) and two
'       Win32_DiskDrive rows; prints "C <size> <free>", the lines of each
'       sample as "1 <line>" / "2 <line>", and "H <hello>".
'   cscript probe.vbs ids NAMES
'       prints "<raw>TAB<DeviceIdOf(raw)>" for each line of NAMES (lines
'       starting with '#' skipped; a TAB ends the name).
Dim p_args, p_text, p_lines, p_i, p_k, p_v, p_out
InitGlobals
Set p_args = WScript.Arguments
Select Case p_args(0)
    Case "disks"
        Set g_ids = CreateObject("Scripting.Dictionary")
        Set p_k = New FakeWmi
        Set g_wmi = p_k
        p_v = CDbl(g_fso.GetDrive("C:").TotalSize)
        p_i = CDbl(g_fso.GetDrive("C:").FreeSpace)
        WScript.Echo "C " & FmtInt(p_v) & " " & FmtInt(p_i)
        p_k.Add "Win32_LogicalDisk", Array("DeviceID", "C:", "Size", FmtInt(p_v), "FreeSpace", FmtInt(p_i), "VolumeSerialNumber", "1234ABCD")
        p_k.Add "Win32_DiskDrive", Array("DeviceID", "\\.\PHYSICALDRIVE0", "Model", "Disk Zero", "Size", "128849018880", "Index", "0")
        p_k.Add "Win32_DiskDrive", Array("DeviceID", "\\.\PHYSICALDRIVE1", "Model", "Disk One", "Size", "1099511627776", "Index", "1")
        ProbeDisk p_k, "_Total", 1000, 3000000, 1000000, 300, 100
        ProbeDisk p_k, "0 C:", 1000, 2000000, 1000000, 200, 100
        ProbeDisk p_k, "1 D: E:", 1000, 1000000, 0, 100, 0
        TS = "1764000000"
        BUF = ""
        SampleDisk
        SampleFs
        ProbeLines "1", BUF
        p_k.Clear "Win32_PerfRawData_PerfDisk_PhysicalDisk"
        ' 2 s later: disk 0 read 4 MB in 40 reads and wrote 1 MB in 10 writes;
        ' disk 1 wrote 2 MB in 20 writes; disk 2 is new
        ProbeDisk p_k, "_Total", 1002, 7000000, 4000000, 340, 130
        ProbeDisk p_k, "0 C:", 1002, 6000000, 2000000, 240, 110
        ProbeDisk p_k, "1 D: E:", 1002, 1000000, 2000000, 100, 20
        ProbeDisk p_k, "2", 1002, 500, 500, 5, 5
        TS = "1764000002"
        BUF = ""
        SampleDisk
        SampleFs
        ProbeLines "2", BUF
        STARTED_AT = "1764000000"
        EXPIRES_AT = "1764000060"
        CLOUD_PROVIDER = ""
        g_httpClient = "none"
        WScript.Echo "H " & BuildHello()
    Case "ids"
        p_lines = Split(Replace(ReadFileText(p_args(1)), vbCr, ""), vbLf)
        p_out = ""
        For p_i = 0 To UBound(p_lines)
            If p_lines(p_i) <> "" And Left(p_lines(p_i), 1) <> "#" Then
                p_v = Split(p_lines(p_i), vbTab)
                p_out = p_out & p_v(0) & vbTab & DeviceIdOf(p_v(0)) & vbLf
            End If
        Next
        WScript.Echo p_out
    Case "netstat"
        p_lines = Split(Replace(ReadFileText(p_args(1)), vbCr, ""), vbLf)
        p_text = ""
        For p_i = 0 To UBound(p_lines)
            If Left(p_lines(p_i), 1) <> "#" Then p_text = p_text & p_lines(p_i) & vbCrLf
        Next
        SockReset
        p_out = "taken=" & ParseNetstat(p_text)
        For Each p_k In g_lsn.Keys
            p_v = g_lsn.Item(p_k)
            p_out = p_out & vbLf & "L " & p_v(0) & "," & p_v(1) & "," & p_v(2) & "," & p_v(3)
        Next
        For p_i = 0 To g_estN - 1
            p_v = g_est(p_i)
            p_out = p_out & vbLf & "E " & p_v(0) & "," & p_v(1) & "," & p_v(2) & "," & p_v(3) & "," & p_v(4)
        Next
        p_out = p_out & vbLf & "F nopid=" & Abs(CInt(NS_NOPID)) & " listen=" & Abs(CInt(NS_LISTEN)) & " seen=" & Trim(NS_V6)
        ProbeMap g_pidName, p_args(2)
        ProbeMap g_pidSvc, p_args(3)
        For Each p_v In Split(SockBuild("1764000000", "netstat", CLng(p_args(4))), vbLf)
            If p_v <> "" Then p_out = p_out & vbLf & "S " & p_v
        Next
        WScript.Echo p_out
    Case "cim"
        p_lines = Split(Replace(ReadFileText(p_args(1)), vbCr, ""), vbLf)
        SockReset
        p_k = 0
        For p_i = 0 To UBound(p_lines)
            p_v = Split(p_lines(p_i), vbTab)
            If UBound(p_v) = 6 Then
                If p_v(0) = "tcp" Then
                    CimTcp p_v(1), p_v(2), p_v(3), p_v(4), p_v(5), p_v(6)
                    p_k = p_k + 1
                End If
            ElseIf UBound(p_v) = 3 Then
                If p_v(0) = "udp" Then
                    CimUdp p_v(1), p_v(2), p_v(3)
                    p_k = p_k + 1
                End If
            End If
        Next
        p_out = "calls=" & p_k
        For Each p_k In g_lsn.Keys
            p_v = g_lsn.Item(p_k)
            p_out = p_out & vbLf & "L " & p_v(0) & "," & p_v(1) & "," & p_v(2) & "," & p_v(3)
        Next
        For p_i = 0 To g_estN - 1
            p_v = g_est(p_i)
            p_out = p_out & vbLf & "E " & p_v(0) & "," & p_v(1) & "," & p_v(2) & "," & p_v(3) & "," & p_v(4)
        Next
        ProbeMap g_pidName, p_args(2)
        ProbeMap g_pidSvc, p_args(3)
        For Each p_v In Split(SockBuild("1764000000", "cim", CLng(p_args(4))), vbLf)
            If p_v <> "" Then p_out = p_out & vbLf & "S " & p_v
        Next
        WScript.Echo p_out
    Case "enc"
        p_v = Array("sql,serv""er.exe", "a" & vbLf & "b" & vbCr & vbTab & "c", "<script>alert('x')</script>", _
            "<b>x y</b>&amp;", "caf" & Chr(233) & ".exe", "100%", "", String(300, "a"), String(200, Chr(233)), _
            "a" & Chr(0) & "b", "ok-Name_1.exe")
        p_out = ""
        For p_i = 0 To UBound(p_v)
            p_out = p_out & p_i & "=" & PctEnc(p_v(p_i)) & vbLf
        Next
        WScript.Echo p_out
End Select

Sub ProbeMap(d, spec)
    Dim kv, p
    If spec = "-" Then Exit Sub
    For Each kv In Split(spec, ";")
        p = InStr(kv, "=")
        If p > 0 Then d.Add Left(kv, p - 1), Mid(kv, p + 1)
    Next
End Sub

' ---- a stand-in for WMI (probe.vbs disks) -----------------------------------
' Just what WmiRowsOn uses: ExecQuery(wql) gives something For Each walks,
' whose items have Properties_.Item(name).Value; a missing property raises
' an error, as WMI does.  The class is the word after FROM; WHERE is ignored.

Class FakeProp
    Public Value
End Class

Class FakeProps
    Public d
    Public Function Item(name)
        Dim p
        If Not d.Exists(name) Then Err.Raise 5, "FakeWmi", "no property " & name
        Set p = New FakeProp
        p.Value = d.Item(name)
        Set Item = p
    End Function
End Class

Class FakeRow
    Public Properties_
End Class

Class FakeWmi
    Private tables
    Private Sub Class_Initialize()
        Set tables = CreateObject("Scripting.Dictionary")
    End Sub
    ' Adds a row to class cls: pairs of property name and value.
    Public Sub Add(cls, pairs)
        Dim r, props, i, t
        Set props = New FakeProps
        Set props.d = CreateObject("Scripting.Dictionary")
        For i = 0 To UBound(pairs) Step 2
            props.d.Add pairs(i), pairs(i + 1)
        Next
        Set r = New FakeRow
        Set r.Properties_ = props
        If Not tables.Exists(cls) Then tables.Add cls, CreateObject("Scripting.Dictionary")
        Set t = tables.Item(cls)
        t.Add r, True
    End Sub
    Public Sub Clear(cls)
        If tables.Exists(cls) Then tables.Remove cls
    End Sub
    ' The rows: a Dictionary whose keys are the row objects (For Each walks keys).
    Public Function ExecQuery(wql, lang, flags)
        Dim w, cls
        w = Split(Mid(wql, InStr(UCase(wql), " FROM ") + 6), " ")
        cls = w(0)
        If Not tables.Exists(cls) Then tables.Add cls, CreateObject("Scripting.Dictionary")
        Set ExecQuery = tables.Item(cls)
    End Function
End Class

Sub ProbeDisk(wmi, name, t, rb, wb, r, w)
    wmi.Add "Win32_PerfRawData_PerfDisk_PhysicalDisk", Array("Name", name, "DiskReadBytesPersec", CStr(rb), _
        "DiskWriteBytesPersec", CStr(wb), "DiskReadsPersec", CStr(r), "DiskWritesPersec", CStr(w), _
        "Timestamp_PerfTime", CStr(t) & "0000000", "Frequency_PerfTime", "10000000")
End Sub

Sub ProbeLines(tag, text)
    Dim l
    For Each l In Split(text, vbLf)
        If l <> "" Then WScript.Echo tag & " " & l
    Next
End Sub
