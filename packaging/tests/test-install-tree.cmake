# CTest test install_tree_runs: installs the build into a temporary DESTDIR exactly as a package
# would (`cmake --install --prefix /usr`, stripped), then runs the installed programs from there:
#   - qlipx --version (and qlip-explorer --version) from the installed tree;
#   - qlipx info / encode / decode on the embedded model, which the installed qlipx must find
#     through its own location (../share/qlip-explorer; `qlipx info` must report that folder), not
#     through the source or build tree;
#   - no installed binary contains the source or build folder (the `strings` check);
#   - the desktop entry and the AppStream file validate, when the validators are installed.
# On Windows the tree goes straight to a prefix (no DESTDIR) and only the programs and data are
# checked: the desktop files are Linux's, and MSVC has no file-prefix map for the strings check.
# Inputs: BUILD (build dir), SRC (source dir), OUT (scratch dir), EXPLORER (ON/OFF),
#         DESKTOP_VALIDATE, APPSTREAMCLI (may be empty), APP_ID, EXE (executable suffix).
file(REMOVE_RECURSE "${OUT}")
if(WIN32)
  set(prefix "${OUT}/root")
  set(install_args --prefix "${prefix}")
else()
  set(ENV{DESTDIR} "${OUT}/root")
  set(prefix "${OUT}/root/usr")
  set(install_args --prefix /usr)
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD}" ${install_args} --strip
                RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed:\n${log}")
endif()
unset(ENV{DESTDIR})
unset(ENV{QLIPX_DATA_DIR})
unset(ENV{QLIPX_MODEL})
set(qlipx "${prefix}/bin/qlipx${EXE}")
set(explorer "${prefix}/bin/qlip-explorer${EXE}")

function(run_ok what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY "${OUT}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok")
  set(last_output "${out}${err}" PARENT_SCOPE)
endfunction()

foreach(f bin/qlipx${EXE} share/qlip-explorer/models/qlip-emoji-64/model.safetensors share/qlip-explorer/models/qlip-emoji-64-prior/config.json
          share/qlip-explorer/samples/red-apple.png share/qlip-explorer/labels/imagenet-1k.txt share/doc/qlip-explorer/copyright)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

run_ok("installed qlipx --version" "${qlipx}" --version)
if(NOT last_output MATCHES "^qlipx [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit [^)]+\\)" OR NOT last_output MATCHES "LibTorch: +[0-9]"
   OR NOT last_output MATCHES "CPU kernels: " OR NOT last_output MATCHES "CUDA: +(not )?available")
  message(FATAL_ERROR "qlipx --version lacks version, commit, LibTorch, CPU kernels or CUDA:\n${last_output}")
endif()
message(STATUS "${last_output}")

# The embedded model, found relative to the installed executable.
run_ok("installed qlipx info (no -m: the embedded model)" "${qlipx}" info)
string(REPLACE "\\" "/" last_output "${last_output}") # Windows prints native separators
if(NOT last_output MATCHES "folder +${prefix}/share/qlip-explorer/models/qlip-emoji-64")
  message(FATAL_ERROR "the installed qlipx did not find the installed model:\n${last_output}")
endif()
run_ok("installed qlipx encode (default model)" "${qlipx}" encode "${prefix}/share/qlip-explorer/samples/red-apple.png"
       -o "${OUT}/tokens" --threads 2)
if(NOT EXISTS "${OUT}/tokens/red-apple.npy" OR NOT EXISTS "${OUT}/tokens/red-apple.json")
  message(FATAL_ERROR "encode wrote no red-apple.npy + .json")
endif()
run_ok("installed qlipx decode" "${qlipx}" decode "${OUT}/tokens/red-apple.npy" -o "${OUT}/decoded.png" --threads 2)
file(SIZE "${OUT}/decoded.png" png_size)
if(png_size LESS 1000)
  message(FATAL_ERROR "decoded.png is only ${png_size} bytes")
endif()

if(WIN32)
  return()
endif()

# No build machine folders in what was installed (programs, and any other ELF file).
file(GLOB_RECURSE installed LIST_DIRECTORIES false "${prefix}/bin/*")
foreach(file IN LISTS installed)
  foreach(folder "${SRC}" "${BUILD}")
    file(STRINGS "${file}" hits REGEX "${folder}")
    if(hits)
      list(GET hits 0 first)
      message(FATAL_ERROR "${file} contains the path ${folder}: ${first}")
    endif()
  endforeach()
endforeach()
list(LENGTH installed n)
message(STATUS "strings check: ${n} installed programs carry no source or build path")

if(EXPLORER AND NOT WIN32)
  run_ok("installed qlip-explorer --version" "${explorer}" --version)
  if(NOT last_output MATCHES "Qt: +6\\." OR NOT last_output MATCHES "data: +${prefix}/share/qlip-explorer")
    message(FATAL_ERROR "qlip-explorer --version lacks the Qt row or the installed data folder:\n${last_output}")
  endif()
  foreach(f share/man/man1/qlipx.1.gz share/man/man1/qlip-explorer.1.gz share/applications/${APP_ID}.desktop share/metainfo/${APP_ID}.metainfo.xml share/mime/packages/qlip-explorer.xml
            share/icons/hicolor/scalable/apps/${APP_ID}.svg share/icons/hicolor/48x48/apps/${APP_ID}.png)
    if(NOT EXISTS "${prefix}/${f}")
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  if(DESKTOP_VALIDATE)
    run_ok("desktop-file-validate" "${DESKTOP_VALIDATE}" "${prefix}/share/applications/${APP_ID}.desktop")
    if(NOT last_output STREQUAL "")
      message(FATAL_ERROR "desktop-file-validate complains:\n${last_output}")
    endif()
  endif()
  if(APPSTREAMCLI)
    run_ok("appstreamcli validate" "${APPSTREAMCLI}" validate --no-net "${prefix}/share/metainfo/${APP_ID}.metainfo.xml")
  endif()
endif()
