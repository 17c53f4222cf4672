; gp_guard's Windows installer: per user, no administrator rights, French by default, English.
; Built by installer/build_windows.py: makensis -INPUTCHARSET UTF8 -DVERSION=… -DPAYLOAD=… -DOUTFILE=… [-DSIGN_CMD=…]
; Silent use (IT providers): setup.exe /S [/D=folder]   uninstall.exe /S [/DELETEDATA]

Unicode true
Target amd64-unicode          ; a 64-bit stub (Windows 10/11 x64; also what wine64 runs)
ManifestDPIAware true
RequestExecutionLevel user    ; never asks for administrator rights
SetCompressor /SOLID lzma
SetCompressorDictSize 64
SetDatablockOptimize on
SetDateSave off               ; files get the install time, not the build machine's mtimes

!ifndef VERSION
  !error "VERSION is not defined"
!endif
!define APP "gp_guard"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\gp_guard"
!define APP_KEY "Software\gp_guard"
; The folder watcher's start at login (gp_guard/guardian/autostart.py: RUN_KEY, RUN_VALUE), per user.
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define RUN_VALUE "gp_guard"

!ifdef SIGN_CMD               ; sign the installer and the uninstaller as they are written
  !finalize '${SIGN_CMD} "%1"'
  !uninstfinalize '${SIGN_CMD} "%1"'
!endif

Name "gp_guard"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\gp_guard"
InstallDirRegKey HKCU "${APP_KEY}" "InstallDir"
BrandingText "gp_guard ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName" "gp_guard"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "gp_guard installer"
VIAddVersionKey /LANG=0 "LegalCopyright" "gp_guard"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "StrFunc.nsh"
!include "WinMessages.nsh"
${StrStr}
${UnStrRep}

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\gp_guard.exe"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; The first language is the default; Windows in English gets English.
!insertmacro MUI_LANGUAGE "French"
!insertmacro MUI_LANGUAGE "English"
!include "lang\French.nsh"
!include "lang\English.nsh"

Section "gp_guard" SecMain
  SetShellVarContext current
  ; An upgrade replaces the program files only. gp_guard's data lives in $LOCALAPPDATA\gp_guard,
  ; outside this folder, and is never touched by an install.
  RMDir /r "$INSTDIR\python"
  RMDir /r "$INSTDIR\lib"
  RMDir /r "$INSTDIR\bin"
  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD}\*.*"
  File "/oname=$INSTDIR\gp_guard.ico" "${ICON}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\gp_guard.lnk" "$INSTDIR\gp_guard.exe" "" "$INSTDIR\gp_guard.ico" 0 \
    SW_SHOWNORMAL "" "$(DESC_SHORTCUT)"

  WriteRegStr HKCU "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "gp_guard"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "gp_guard"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\gp_guard.ico"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"

  ; The console command gp-guard on the user's PATH (HKCU\Environment, no administrator needed).
  ReadRegStr $0 HKCU "Environment" "Path"
  ${StrStr} $1 ";$0;" ";$INSTDIR\bin;"
  ${If} $1 == ""
    ${If} $0 == ""
      WriteRegExpandStr HKCU "Environment" "Path" "$INSTDIR\bin"
    ${Else}
      WriteRegExpandStr HKCU "Environment" "Path" "$0;$INSTDIR\bin"
    ${EndIf}
    SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=2000
  ${EndIf}
SectionEnd

; Deletes gp_guard's data except the vault folder (the keys of the encrypted folders).
Function un.DeleteData
  FindFirst $0 $1 "$LOCALAPPDATA\gp_guard\*"
  ${DoWhile} $1 != ""
    ${If} $1 != "."
    ${AndIf} $1 != ".."
    ${AndIf} $1 != "vault"
      ${If} ${FileExists} "$LOCALAPPDATA\gp_guard\$1\*.*"
        RMDir /r "$LOCALAPPDATA\gp_guard\$1"
      ${Else}
        Delete "$LOCALAPPDATA\gp_guard\$1"
      ${EndIf}
    ${EndIf}
    FindNext $0 $1
  ${Loop}
  FindClose $0
  RMDir "$LOCALAPPDATA\gp_guard"   ; only if empty (no vault folder)
FunctionEnd

Section "Uninstall"
  SetShellVarContext current
  ; First, so that nothing starts at the next login: the folder watcher's Run value (written by
  ; the app's "start at login" or `gp-guard autostart on`); the other programs' values stay.
  DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
  Delete "$SMPROGRAMS\gp_guard.lnk"
  RMDir /r "$INSTDIR\python"
  RMDir /r "$INSTDIR\lib"
  RMDir /r "$INSTDIR\bin"
  Delete "$INSTDIR\gp_guard.exe"
  Delete "$INSTDIR\gp_guard.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  RMDir "$LOCALAPPDATA\Programs"    ; only if empty

  ReadRegStr $0 HKCU "Environment" "Path"
  ${UnStrRep} $1 ";$0;" ";$INSTDIR\bin;" ";"
  ${UnStrRep} $1 "$1" ";;" ";"
  StrCpy $2 $1 1
  ${If} $2 == ";"
    StrCpy $1 $1 "" 1
  ${EndIf}
  StrCpy $2 $1 1 -1
  ${If} $2 == ";"
    StrCpy $1 $1 -1
  ${EndIf}
  ${If} $1 == ""
    DeleteRegValue HKCU "Environment" "Path"
  ${Else}
    WriteRegExpandStr HKCU "Environment" "Path" "$1"
  ${EndIf}
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=2000

  DeleteRegKey HKCU "${UNINST_KEY}"
  DeleteRegKey HKCU "${APP_KEY}"

  ; The data: kept unless the doctor says yes (silent: kept, unless /DELETEDATA).
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DELETEDATA" $R1
  ${IfNot} ${Errors}
    Call un.DeleteData
  ${ElseIf} ${FileExists} "$LOCALAPPDATA\gp_guard\*.*"
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON2 "$(UN_ASK_DATA)" /SD IDNO IDYES delete
    DetailPrint "$(UN_KEPT)"
    Goto done
    delete:
      Call un.DeleteData
    done:
  ${EndIf}
  ${If} ${FileExists} "$LOCALAPPDATA\gp_guard\vault\*.*"
    DetailPrint "$(UN_VAULT_KEPT)"
  ${EndIf}
SectionEnd
