' Independent WMI probe for the collector.vbs harness (run by ./run under the
' same Wine prefix).  Prints what this Windows (or Wine) offers, one fact per
' line, tab-separated, so the harness can tell which metrics the collector
' must report and which it must list as unavailable:
'   proc  <pid> <name> <command line>
'   cs    <property> <value>            Win32_ComputerSystem
'   os    <property> <value>            Win32_OperatingSystem
'   vol   <DeviceID> <Size> <FreeSpace> <VolumeSerialNumber>   (DriveType 3)
'   drv   <DeviceID> <TotalSize>        FileSystemObject's view of that drive
'   class <name> <row count>            performance classes
'   inst  <class> <Name>                each PhysicalDisk instance
'   prop  <class.property> <0|1>        whether a row has the property
'   std   StandardCimv2 <0|1>           whether WMI root\StandardCimv2 (the
'                                       sockets' CIM source) can be opened
' Deliberately written without the collector's helpers (and without Join,
' AscW and the like, which Wine's VBScript lacks).
Option Explicit
Dim wmi, o, c, n, v, cls, pair, parts, fso
Set fso = CreateObject("Scripting.FileSystemObject")

Set wmi = GetObject("winmgmts:{impersonationLevel=impersonate}!\\.\root\cimv2")

Function Prop(obj, name)
    Prop = ""
    On Error Resume Next
    Prop = obj.Properties_.Item(name).Value
    If Err.Number <> 0 Then Prop = "<missing>"
    If IsNull(Prop) Then Prop = "<null>"
    Err.Clear
End Function

Sub Out(a, b, c2)
    WScript.Echo a & vbTab & b & vbTab & c2
End Sub

For Each o In wmi.ExecQuery("SELECT * FROM Win32_Process")
    Out "proc", Prop(o, "ProcessId"), Prop(o, "Name") & vbTab & Prop(o, "CommandLine")
Next
For Each o In wmi.ExecQuery("SELECT * FROM Win32_ComputerSystem")
    Out "cs", "Name", Prop(o, "Name")
    Out "cs", "NumberOfLogicalProcessors", Prop(o, "NumberOfLogicalProcessors")
Next
For Each o In wmi.ExecQuery("SELECT * FROM Win32_OperatingSystem")
    Out "os", "TotalVisibleMemorySize", Prop(o, "TotalVisibleMemorySize")
    Out "os", "FreePhysicalMemory", Prop(o, "FreePhysicalMemory")
    Out "os", "CurrentTimeZone", Prop(o, "CurrentTimeZone")
Next
For Each o In wmi.ExecQuery("SELECT * FROM Win32_LogicalDisk")
    If CStr(Prop(o, "DriveType")) = "3" Then
        Out "vol", Prop(o, "DeviceID"), Prop(o, "Size") & vbTab & Prop(o, "FreeSpace") & vbTab & Prop(o, "VolumeSerialNumber")
        Out "drv", Prop(o, "DeviceID"), fso.GetDrive(Prop(o, "DeviceID")).TotalSize
    End If
Next
For Each cls In Array("Win32_PerfRawData_PerfOS_Processor", "Win32_PerfFormattedData_PerfOS_Processor", _
        "Win32_PerfRawData_PerfDisk_PhysicalDisk", "Win32_PerfFormattedData_PerfDisk_PhysicalDisk", _
        "Win32_PerfRawData_Tcpip_NetworkInterface", "Win32_PerfFormattedData_Tcpip_NetworkInterface")
    n = 0
    On Error Resume Next
    Set c = wmi.ExecQuery("SELECT * FROM " & cls)
    For Each o In c
        n = n + 1
    Next
    Err.Clear
    On Error GoTo 0
    Out "class", cls, n
Next
For Each cls In Array("Win32_PerfRawData_PerfDisk_PhysicalDisk", "Win32_PerfFormattedData_PerfDisk_PhysicalDisk")
    On Error Resume Next
    Set c = wmi.ExecQuery("SELECT * FROM " & cls)
    For Each o In c
        Out "inst", cls, Prop(o, "Name")
    Next
    Err.Clear
    On Error GoTo 0
Next
For Each pair In Array("Win32_Processor.LoadPercentage", "Win32_Processor.NumberOfLogicalProcessors")
    v = "0"
    parts = Split(pair, ".")
    For Each o In wmi.ExecQuery("SELECT * FROM " & parts(0))
        If Prop(o, parts(1)) <> "<missing>" And Prop(o, parts(1)) <> "<null>" Then v = "1"
    Next
    Out "prop", pair, v
Next
v = "1"
On Error Resume Next
Set c = GetObject("winmgmts:{impersonationLevel=impersonate}!\\.\root\StandardCimv2")
If Err.Number <> 0 Then v = "0"
Err.Clear
On Error GoTo 0
Out "std", "StandardCimv2", v
