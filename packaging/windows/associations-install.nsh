; Included into the install section of the NSIS script CPack writes (nsis-settings.cmake).
; Registers QLIP Explorer for its session files (*.qlipxsession, opened by default) and offers it
; in "Open with" for the images it reads, without taking those over. SHCTX is HKLM for an
; all-users install and HKCU for a per-user one (CPack's script sets the shell context first).
WriteRegStr SHCTX "Software\Classes\.qlipxsession" "" "QLIPExplorer.Session"
WriteRegStr SHCTX "Software\Classes\.qlipxsession" "Content Type" "application/x-qlipxsession"
WriteRegStr SHCTX "Software\Classes\QLIPExplorer.Session" "" "QLIP Explorer session"
WriteRegStr SHCTX "Software\Classes\QLIPExplorer.Session\DefaultIcon" "" "$INSTDIR\bin\qlip-explorer.exe,0"
WriteRegStr SHCTX "Software\Classes\QLIPExplorer.Session\shell\open\command" "" '"$INSTDIR\bin\qlip-explorer.exe" "%1"'

WriteRegStr SHCTX "Software\Classes\QLIPExplorer.Image" "" "Image (QLIP Explorer)"
WriteRegStr SHCTX "Software\Classes\QLIPExplorer.Image\DefaultIcon" "" "$INSTDIR\bin\qlip-explorer.exe,0"
WriteRegStr SHCTX "Software\Classes\QLIPExplorer.Image\shell\open\command" "" '"$INSTDIR\bin\qlip-explorer.exe" "%1"'
WriteRegStr SHCTX "Software\Classes\Applications\qlip-explorer.exe" "FriendlyAppName" "QLIP Explorer"
WriteRegStr SHCTX "Software\Classes\Applications\qlip-explorer.exe\shell\open\command" "" '"$INSTDIR\bin\qlip-explorer.exe" "%1"'
!macro QlipxOpenWith ext
  WriteRegStr SHCTX "Software\Classes\${ext}\OpenWithProgids" "QLIPExplorer.Image" ""
  WriteRegStr SHCTX "Software\Classes\Applications\qlip-explorer.exe\SupportedTypes" "${ext}" ""
!macroend
!insertmacro QlipxOpenWith ".png"
!insertmacro QlipxOpenWith ".jpg"
!insertmacro QlipxOpenWith ".jpeg"
!insertmacro QlipxOpenWith ".bmp"
!insertmacro QlipxOpenWith ".gif"
!insertmacro QlipxOpenWith ".tga"
!insertmacro QlipxOpenWith ".ppm"
!insertmacro QlipxOpenWith ".pgm"
!insertmacro QlipxOpenWith ".pbm"
!insertmacro QlipxOpenWith ".pnm"
!insertmacro QlipxOpenWith ".webp"
!insertmacro QlipxOpenWith ".tif"
!insertmacro QlipxOpenWith ".tiff"
; Tell Explorer the associations changed (SHCNE_ASSOCCHANGED).
System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
