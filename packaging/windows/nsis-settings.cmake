# The Windows installer's NSIS settings (CPack's NSIS64 generator). Included by
# packaging/cpack.cmake and by the CTest test nsis_installer_compiles (test-nsis.cmake), which runs
# makensis over a staged fake payload on Linux, so the script is compiled on every CI run.
#
# What the installer does: installs bin\ (qlip-explorer.exe, qlipx.exe, Qt, LibTorch, the MSVC
# runtime) and share\ (model, samples, labels, docs) under Program Files\QLIP Explorer; a Start
# menu entry; an uninstaller (Add/Remove Programs) that first removes an older version;
# optionally bin\ on PATH for qlipx; .qlipxsession files open in the explorer, images offer it in
# "Open with" (associations-install.nsh).
set(_nsis_dir "${CMAKE_CURRENT_LIST_DIR}")
set(CPACK_NSIS_PACKAGE_NAME "QLIP Explorer")
set(CPACK_NSIS_DISPLAY_NAME "QLIP Explorer")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "QLIP Explorer")
set(CPACK_PACKAGE_INSTALL_REGISTRY_KEY "QLIP Explorer")
set(CPACK_NSIS_MUI_ICON "${_nsis_dir}/qlip-explorer.ico")
set(CPACK_NSIS_MUI_UNIICON "${_nsis_dir}/qlip-explorer.ico")
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\qlip-explorer.exe")
set(CPACK_NSIS_EXECUTABLES_DIRECTORY "bin")
set(CPACK_PACKAGE_EXECUTABLES "qlip-explorer;QLIP Explorer")   # Start menu: bin\qlip-explorer.exe
set(CPACK_NSIS_MENU_LINKS "share/doc/qlip-explorer/README.md" "QLIP Explorer README")
set(CPACK_NSIS_UNINSTALL_NAME "Uninstall")  # CPack.cmake defaults it; the standalone stage test does not
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_MODIFY_PATH ON)        # a page offers to put bin\ (qlipx) on PATH
set(CPACK_NSIS_MANIFEST_DPI_AWARE ON)
set(CPACK_NSIS_COMPRESSOR "/SOLID lzma")
set(CPACK_NSIS_EXTRA_INSTALL_COMMANDS "!include \"${_nsis_dir}/associations-install.nsh\"")
set(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS "!include \"${_nsis_dir}/associations-uninstall.nsh\"")
