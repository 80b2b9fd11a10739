/*
 * System32\curl.exe for the Wine harness: a Windows program, so cmd.exe waits
 * for it and gets its exit status.  Wine starts a Unix program as a Unix
 * process it neither waits for nor reports the exit status of, so this one
 * hands its arguments to fake_curl_exe.py (beside it, run by Wine as a Unix
 * process) through a job folder, waits for that to finish, and relays its
 * output, error output and exit status.  Built by the harness with MinGW.
 */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

static void relay(const wchar_t *path, DWORD which) {
  HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  if (f == INVALID_HANDLE_VALUE) return;
  char buf[65536];
  DWORD n, w;
  HANDLE out = GetStdHandle(which);
  while (ReadFile(f, buf, sizeof buf, &n, NULL) && n > 0) WriteFile(out, buf, n, &w, NULL);
  CloseHandle(f);
}

int wmain(int argc, wchar_t **argv) {
  wchar_t tmp[MAX_PATH], job[MAX_PATH], path[MAX_PATH], self[MAX_PATH], cmd[4 * MAX_PATH];
  GetTempPathW(MAX_PATH, tmp);
  swprintf(job, MAX_PATH, L"%lsfakecurl-%lu-%lu", tmp, GetCurrentProcessId(), GetTickCount());
  if (!CreateDirectoryW(job, NULL)) return 99;
  /* the arguments, NUL-separated UTF-8 */
  swprintf(path, MAX_PATH, L"%ls\\args", job);
  HANDLE f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
  for (int i = 1; i < argc; i++) {
    char u[8192];
    int n = WideCharToMultiByte(CP_UTF8, 0, argv[i], -1, u, sizeof u, NULL, NULL);
    DWORD w;
    WriteFile(f, u, n, &w, NULL); /* n includes the NUL */
  }
  CloseHandle(f);
  GetModuleFileNameW(NULL, self, MAX_PATH);
  wchar_t *slash = wcsrchr(self, L'\\');
  if (slash) *slash = 0;
  swprintf(cmd, 4 * MAX_PATH, L"\"%ls\\fake_curl_exe.py\" \"%ls\"", self, job);
  STARTUPINFOW si = {sizeof si};
  PROCESS_INFORMATION pi;
  if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) return 98;
  swprintf(path, MAX_PATH, L"%ls\\rc", job);
  int rc = 97;
  for (int i = 0; i < 6000; i++) { /* 120 s */
    FILE *r = _wfopen(path, L"r");
    if (r) {
      if (fscanf(r, "%d", &rc) != 1) rc = 96;
      fclose(r);
      break;
    }
    Sleep(20);
  }
  swprintf(path, MAX_PATH, L"%ls\\out", job);
  relay(path, STD_OUTPUT_HANDLE);
  DeleteFileW(path);
  swprintf(path, MAX_PATH, L"%ls\\err", job);
  relay(path, STD_ERROR_HANDLE);
  DeleteFileW(path);
  swprintf(path, MAX_PATH, L"%ls\\args", job);
  DeleteFileW(path);
  swprintf(path, MAX_PATH, L"%ls\\rc", job);
  DeleteFileW(path);
  RemoveDirectoryW(job);
  return rc;
}
