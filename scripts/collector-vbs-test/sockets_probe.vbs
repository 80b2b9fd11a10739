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
'   cscript probe.vbs ids NAMES
'       prints "<raw>TAB<DeviceIdOf(raw)>" for each line of NAMES (lines
'       starting with '#' skipped; a TAB ends the name).
Dim p_args, p_text, p_lines, p_i, p_k, p_v, p_out
InitGlobals
Set p_args = WScript.Arguments
Select Case p_args(0)
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
