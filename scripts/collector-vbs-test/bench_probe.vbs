' ---- snapshot benchmark probe (scripts/bench-sockets-vbs) -------------------
' Appended to a rendered collector.vbs without its top-level call of Main, so
' the code measured is the collector's own.
'   cscript probe.vbs snapshot OUTFILE   one snapshot as TakeSnapshot takes it
'                                        (netstat run hidden, parsed, PIDs
'                                        resolved, rows built and capped),
'                                        written to OUTFILE
'   cscript probe.vbs netstat            the baseline: the same hidden netstat
'                                        run into the same scratch file, unparsed
Dim b_args, b_text
InitGlobals
Set b_args = WScript.Arguments
g_dir = g_fso.GetAbsolutePathName(".")
g_logfile = g_fso.BuildPath(g_dir, "bench.log")
g_netstatOut = g_fso.BuildPath(g_dir, ".netstat.out")
PM_SOCKETS_MAX_ROWS = CLng(PM_SOCKETS_MAX_ROWS)
If b_args(0) = "snapshot" Then
    SockReset
    If SockFromNetstat() Then
        SockResolvePids
        b_text = SockBuild("1764000000", "netstat", PM_SOCKETS_MAX_ROWS)
        WriteFileText b_args(1), b_text
    End If
Else
    g_shell.Run "%ComSpec% /s /c """"" & g_fso.BuildPath(g_fso.GetSpecialFolder(1), "NETSTAT.EXE") & _
        """ -ano > """ & g_netstatOut & """ 2>&1""", 0, True
    b_text = ReadFileText(g_netstatOut)
    DeleteQuietly g_netstatOut
End If
