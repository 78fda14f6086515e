; Included into the uninstall section (nsis-settings.cmake): removes what
; associations-install.nsh registered, and only that.
ReadRegStr $0 SHCTX "Software\Classes\.qlipxsession" ""
StrCmp $0 "QLIPExplorer.Session" 0 +2
  DeleteRegKey SHCTX "Software\Classes\.qlipxsession"
DeleteRegKey SHCTX "Software\Classes\QLIPExplorer.Session"
DeleteRegKey SHCTX "Software\Classes\QLIPExplorer.Image"
DeleteRegKey SHCTX "Software\Classes\Applications\qlip-explorer.exe"
!macro QlipxForgetOpenWith ext
  DeleteRegValue SHCTX "Software\Classes\${ext}\OpenWithProgids" "QLIPExplorer.Image"
!macroend
!insertmacro QlipxForgetOpenWith ".png"
!insertmacro QlipxForgetOpenWith ".jpg"
!insertmacro QlipxForgetOpenWith ".jpeg"
!insertmacro QlipxForgetOpenWith ".bmp"
!insertmacro QlipxForgetOpenWith ".gif"
!insertmacro QlipxForgetOpenWith ".tga"
!insertmacro QlipxForgetOpenWith ".ppm"
!insertmacro QlipxForgetOpenWith ".pgm"
!insertmacro QlipxForgetOpenWith ".pbm"
!insertmacro QlipxForgetOpenWith ".pnm"
!insertmacro QlipxForgetOpenWith ".webp"
!insertmacro QlipxForgetOpenWith ".tif"
!insertmacro QlipxForgetOpenWith ".tiff"
System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
