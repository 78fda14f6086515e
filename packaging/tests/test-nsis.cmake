# CTest test nsis_installer_compiles: the Windows installer's NSIS script, as CPack writes it
# from packaging/windows/nsis-settings.cmake (the settings the real Windows build uses), must
# compile with makensis. Windows binaries cannot be built here, so the payload is a staged fake
# tree with the real layout and names (bin\qlip-explorer.exe, Qt and LibTorch DLLs, share\...);
# the installer is not run (no Windows). Checks: cpack -G NSIS64 succeeds, the result is a PE
# executable of plausible size, and the generated script holds the Start-menu entry, the file
# associations and their removal, the uninstaller and the PATH option.
# Inputs: SRC (source dir), OUT (scratch dir), VERSION.
file(REMOVE_RECURSE "${OUT}")
set(stage "${OUT}/stage")
foreach(f bin/qlip-explorer.exe bin/qlipx.exe bin/Qt6Core.dll bin/Qt6Gui.dll bin/Qt6Widgets.dll bin/platforms/qwindows.dll
          bin/torch_cpu.dll bin/c10.dll bin/msvcp140.dll bin/vcruntime140.dll bin/qt.conf
          share/qlip-explorer/models/qlip-emoji-64/config.json share/qlip-explorer/samples/red-apple.png
          share/qlip-explorer/labels/everyday.txt share/doc/qlip-explorer/README.md share/doc/qlip-explorer/copyright)
  get_filename_component(dir "${stage}/${f}" DIRECTORY)
  file(MAKE_DIRECTORY "${dir}")
  string(RANDOM LENGTH 4096 filler) # incompressible enough that the installer is not empty
  file(WRITE "${stage}/${f}" "staged stand-in for ${f}\n${filler}\n")
endforeach()

set(config "${OUT}/CPackNSISStage.cmake")
file(WRITE "${config}" "
set(CPACK_GENERATOR NSIS64)
set(CPACK_PACKAGE_NAME qlip-explorer)
set(CPACK_PACKAGE_VENDOR \"QLIP Explorer authors\")
set(CPACK_PACKAGE_VERSION ${VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY \"explorer for the QLIP visual tokenizer's binary image tokens\")
set(CPACK_PACKAGE_FILE_NAME qlip-explorer-${VERSION}-windows-amd64-stage)
set(CPACK_PACKAGE_DESCRIPTION_FILE \"${SRC}/packaging/description.txt\")
set(CPACK_RESOURCE_FILE_LICENSE \"${SRC}/packaging/linux/copyright\")
set(CPACK_INSTALLED_DIRECTORIES \"${stage};.\")
set(CPACK_OUTPUT_FILE_PREFIX \"${OUT}/out\")
set(CPACK_PACKAGE_DIRECTORY \"${OUT}/work\")
include(\"${SRC}/packaging/windows/nsis-settings.cmake\")
")
execute_process(COMMAND "${CMAKE_CPACK_COMMAND}" --config "${config}" RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log
                WORKING_DIRECTORY "${OUT}")
file(GLOB_RECURSE nsi "${OUT}/work/*/project.nsi")
if(NOT rc EQUAL 0)
  file(GLOB_RECURSE nsis_log "${OUT}/work/*/NSISOutput.log")
  if(nsis_log)
    file(READ "${nsis_log}" makensis)
  endif()
  message(FATAL_ERROR "cpack -G NSIS64 failed (${rc}):\n${log}\nmakensis:\n${makensis}")
endif()

set(exe "${OUT}/out/qlip-explorer-${VERSION}-windows-amd64-stage.exe")
if(NOT EXISTS "${exe}")
  message(FATAL_ERROR "no installer at ${exe}:\n${log}")
endif()
file(READ "${exe}" magic LIMIT 2 HEX)
file(SIZE "${exe}" size)
if(NOT magic STREQUAL "4d5a" OR size LESS 50000)
  message(FATAL_ERROR "${exe} is not a PE executable of plausible size (magic ${magic}, ${size} bytes)")
endif()

file(READ "${nsi}" script)
foreach(expected
    "QLIPExplorer.Session\\shell\\open\\command"             # .qlipxsession opens in the explorer
    "DeleteRegKey SHCTX \"Software\\Classes\\QLIPExplorer.Session\"" # ... and is unregistered
    "OpenWithProgids"                                         # images: Open with
    "QLIP Explorer.lnk"                                       # Start menu entry
    "WriteUninstaller \"$INSTDIR\\Uninstall.exe\""          # the uninstaller, by its name
    "AddToPath")                                              # bin\ on PATH, offered
  # The .nsh files are !included: look in them as well as in the script.
  file(READ "${SRC}/packaging/windows/associations-install.nsh" inst)
  file(READ "${SRC}/packaging/windows/associations-uninstall.nsh" uninst)
  string(FIND "${script}${inst}${uninst}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the NSIS script lacks '${expected}'")
  endif()
endforeach()
foreach(include associations-install.nsh associations-uninstall.nsh)
  string(FIND "${script}" "${include}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the NSIS script does not include ${include}")
  endif()
endforeach()
message(STATUS "NSIS installer compiled: ${exe} (${size} bytes)")
