# CTest test windows_portability: the Torch-free core sources must build for Windows. Each is
# compiled with mingw-w64 (x86_64-w64-mingw32-g++-posix: the posix thread model has std::mutex,
# as MSVC does) with -Wall -Wextra; then windows_smoke.cpp is linked against them (proving they
# need nothing POSIX-only) and, when wine is installed, run: that exercises the Windows branches
# of fileio, installlayout and processinfo for real.
# LibTorch, Qt and image libraries are not available for mingw here: sources that need them are
# left to the Windows workflow (.github/workflows/windows.yml, MSVC). image.cpp is compiled
# without its image library, i.e. on its "built without image support" path.
# Header-only libraries of the host (e.g. /usr/include/nlohmann) can be exposed to mingw one by
# one through HEADER_DIRS, never the whole /usr/include (glibc's headers would shadow mingw's).
# Inputs: CXX, AR, WINE (may be empty), SRC, OUT, SOURCES (paths relative to SRC, |-separated),
#         HEADER_DIRS (|-separated folders, may be empty).
string(REPLACE "|" ";" SOURCES "${SOURCES}")
string(REPLACE "|" ";" HEADER_DIRS "${HEADER_DIRS}")
list(REMOVE_ITEM HEADER_DIRS "")
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}/include")
set(flags -std=c++20 -O1 -Wall -Wextra -Wpedantic -Wshadow -I${SRC}/core/include -I${SRC}/core/src -isystem ${OUT}/include)
foreach(dir IN LISTS HEADER_DIRS)
  get_filename_component(name "${dir}" NAME)
  file(CREATE_LINK "${dir}" "${OUT}/include/${name}" SYMBOLIC)
endforeach()
set(objects "")
set(failed "")
foreach(source IN LISTS SOURCES)
  string(MAKE_C_IDENTIFIER "${source}" name)
  execute_process(COMMAND "${CXX}" ${flags} -c "${SRC}/${source}" -o "${OUT}/${name}.o"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(APPEND failed "${source}")
    message("${source}: FAILED\n${err}")
  else()
    if(err MATCHES "warning")
      message("${source}: compiled with warnings\n${err}")
    endif()
    list(APPEND objects "${OUT}/${name}.o")
  endif()
endforeach()
list(LENGTH SOURCES total)
if(failed)
  message(FATAL_ERROR "mingw-w64 could not compile: ${failed}")
endif()
message(STATUS "mingw-w64: ${total} Torch-free core sources compiled for Windows")

execute_process(COMMAND "${AR}" rcs "${OUT}/libqlip_core_torchfree.a" ${objects} RESULT_VARIABLE rc)
execute_process(COMMAND "${CXX}" ${flags} -static -o "${OUT}/windows_smoke.exe" "${SRC}/packaging/tests/windows_smoke.cpp"
                        "${OUT}/libqlip_core_torchfree.a" -lpsapi
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "linking windows_smoke.exe failed:\n${err}")
endif()
message(STATUS "windows_smoke.exe linked")

if(WINE)
  # A prefix of our own in the build tree (created once, about 15 s), quiet.
  set(ENV{WINEPREFIX} "${OUT}/../wine-prefix")
  set(ENV{WINEDEBUG} "-all")
  execute_process(COMMAND "${WINE}" "${OUT}/windows_smoke.exe" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}")
  if(NOT rc EQUAL 0 OR NOT out MATCHES "windows smoke: ok")
    message(FATAL_ERROR "windows_smoke.exe failed under wine (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "windows_smoke.exe ran under wine: the Windows branches work")
else()
  message(STATUS "wine not installed: windows_smoke.exe linked but not run (apt-get install wine64)")
endif()
