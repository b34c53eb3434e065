; Inno Setup script: wraps the PyInstaller folder (build\dist\hmsync-wizard) into
; dist\hmsync-wizard-<version>-windows-x64-setup.exe, with Start-menu shortcuts.
;
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" build\windows\hmsync-wizard.iss
;
; Build the folder first (see build\windows\README.md). The version is read from the
; version resource installer.spec writes into hmsync-wizard.exe (from the package metadata,
; the one place it is set); /DAppVersion=... overrides it. Needs Inno Setup 6.3 or newer.

#if VER < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or newer is needed (x64compatible)
#endif

#define AppName "HMSync Migration Wizard"
#define BundleDir AddBackslash(SourcePath) + "..\dist\hmsync-wizard"
#define WizardExe "hmsync-wizard.exe"

#if !FileExists(BundleDir + "\" + WizardExe)
  #error build\dist\hmsync-wizard\hmsync-wizard.exe is missing: run PyInstaller on installer.spec first
#endif
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(BundleDir + "\" + WizardExe, "ProductVersion")
#endif
#if AppVersion == ""
  #error hmsync-wizard.exe has no ProductVersion: was it built with installer.spec?
#endif

[Setup]
; AppId identifies the program for upgrades and uninstall: never change it
AppId={{4B0E8A52-7C1D-4D8E-9F3A-2E6B5C9A1D47}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=HMSync
VersionInfoVersion={#GetVersionNumbersString(BundleDir + "\" + WizardExe)}
VersionInfoProductName={#AppName}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; per-machine by default (Program Files, needs an administrator); the IT person may choose
; "only for me" instead (no administrator needed)
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#AddBackslash(SourcePath) + "..\..\dist"}
OutputBaseFilename=hmsync-wizard-{#AppVersion}-windows-x64-setup
SetupIconFile={#BundleDir}\_internal\resources\icons\hmsync-wizard.ico
UninstallDisplayIcon={app}\{#WizardExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; a running wizard must be closed before its files are replaced
CloseApplications=yes
RestartApplications=no

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; an upgrade replaces the whole library folder: no stale modules from the previous version
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#WizardExe}"; WorkingDir: "{userdocs}"
Name: "{group}\{#AppName} (demo)"; Filename: "{app}\{#WizardExe}"; Parameters: "--demo"; WorkingDir: "{userdocs}"; Comment: "Try the wizard on the bundled demo export and a scratch database"
Name: "{group}\HMSync command line (hmsync-migrate)"; Filename: "{cmd}"; Parameters: "/k ""set PATH={app};%PATH%&& hmsync-migrate --version&& hmsync-migrate --help"""; WorkingDir: "{userdocs}"; IconFilename: "{app}\{#WizardExe}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#WizardExe}"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#WizardExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
