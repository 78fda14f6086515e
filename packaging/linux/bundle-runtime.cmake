# Turns an installed tree (bin/, share/) into a self-contained one; run by the generated
# build/packaging/bundle-step.cmake (see bundle.cmake for the variables it sets).
#   lib/               every shared library the programs and plugins need, minus QLIPX_BUNDLE_EXCLUDES
#   lib/qt6/plugins/   Qt's xcb platform, its GL integrations, image formats and input contexts
#   bin/qt.conf        points Qt at those plugins
#   RPATH              bin/*: $ORIGIN/../lib (DT_RPATH, so that it also covers the libraries'
#                      own dependencies and the plugins); plugins: $ORIGIN/../../..
#   share/doc/qlip-explorer/third-party/   the copyright file of each Debian package copied from
set(root "${QLIPX_BUNDLE_ROOT}")
if(NOT IS_DIRECTORY "${root}/${QLIPX_BUNDLE_BINDIR}")
  message(FATAL_ERROR "bundle: ${root} is not an installed tree (no ${QLIPX_BUNDLE_BINDIR}/)")
endif()
set(libdir "${root}/lib")
set(plugindir "${libdir}/qt6/plugins")

if(NOT QLIPX_PATCHELF)
  message(FATAL_ERROR "bundle: patchelf not found (apt-get install patchelf), needed to set the RPATH to $ORIGIN/../lib")
endif()

set(programs "")
foreach(name IN LISTS QLIPX_BUNDLE_PROGRAMS)
  set(exe "${root}/${QLIPX_BUNDLE_BINDIR}/${name}")
  if(NOT EXISTS "${exe}")
    message(FATAL_ERROR "bundle: ${exe} is missing")
  endif()
  list(APPEND programs "${exe}")
endforeach()

# ---- Qt plugins -------------------------------------------------------------------------------
set(plugins "")
if(QLIPX_QT_PLUGIN_DIR)
  foreach(pattern platforms/libqxcb.so xcbglintegrations/*.so imageformats/*.so platforminputcontexts/*.so)
    file(GLOB found "${QLIPX_QT_PLUGIN_DIR}/${pattern}")
    foreach(plugin IN LISTS found)
      get_filename_component(kind "${plugin}" DIRECTORY)
      get_filename_component(kind "${kind}" NAME)
      file(MAKE_DIRECTORY "${plugindir}/${kind}")
      get_filename_component(name "${plugin}" NAME)
      file(COPY_FILE "${plugin}" "${plugindir}/${kind}/${name}")
      list(APPEND plugins "${plugindir}/${kind}/${name}")
    endforeach()
  endforeach()
  file(WRITE "${root}/${QLIPX_BUNDLE_BINDIR}/qt.conf"
       "# Written by the bundle step: Qt takes its plugins from the bundle, not from the system.\n[Paths]\nPrefix = ..\nPlugins = lib/qt6/plugins\n")
endif()

# ---- libraries --------------------------------------------------------------------------------
file(GET_RUNTIME_DEPENDENCIES
  EXECUTABLES ${programs}
  MODULES ${plugins}
  RESOLVED_DEPENDENCIES_VAR resolved
  UNRESOLVED_DEPENDENCIES_VAR unresolved
  PRE_EXCLUDE_REGEXES ${QLIPX_BUNDLE_EXCLUDES}
  POST_EXCLUDE_REGEXES "^${libdir}/")
if(unresolved)
  message(FATAL_ERROR "bundle: libraries not found on this system: ${unresolved}")
endif()
file(MAKE_DIRECTORY "${libdir}")
set(total 0)
set(count 0)
foreach(dep IN LISTS resolved)
  get_filename_component(soname "${dep}" NAME)  # the name the programs ask for (libfoo.so.1)
  file(REAL_PATH "${dep}" real)                  # follows /etc/alternatives too (libblas.so.3)
  file(COPY_FILE "${real}" "${libdir}/${soname}")
  file(SIZE "${real}" size)
  math(EXPR total "${total} + ${size}")
  math(EXPR count "${count} + 1")
  list(APPEND copied "${soname}|${real}")
endforeach()
math(EXPR total_mb "${total} / 1048576")
message(STATUS "bundle: ${count} libraries copied into lib/ (${total_mb} MiB)")

# ---- RPATH ------------------------------------------------------------------------------------
function(patch file rpath)
  execute_process(COMMAND "${QLIPX_PATCHELF}" --force-rpath --set-rpath "${rpath}" "${file}" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "bundle: patchelf ${file}: ${err}")
  endif()
endfunction()
foreach(exe IN LISTS programs)
  patch("${exe}" "$ORIGIN/../lib")
endforeach()
foreach(plugin IN LISTS plugins)
  patch("${plugin}" "$ORIGIN/../../..")
endforeach()
# A copied library that carries its own RUNPATH would ignore the programs' RPATH for its own
# dependencies: point it at its folder instead.
foreach(entry IN LISTS copied)
  string(REPLACE "|" ";" entry "${entry}")
  list(GET entry 0 soname)
  execute_process(COMMAND "${QLIPX_PATCHELF}" --print-rpath "${libdir}/${soname}" OUTPUT_VARIABLE rpath OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rpath STREQUAL "")
    patch("${libdir}/${soname}" "$ORIGIN")
  endif()
endforeach()

# ---- licences of what was copied --------------------------------------------------------------
set(third "${root}/${QLIPX_BUNDLE_DOCDIR}/third-party")
file(MAKE_DIRECTORY "${third}")
set(listing "Libraries in lib/ and the Debian packages they were copied from (licence: <package>/copyright here).\n\n")
if(QLIPX_DPKG_QUERY)
  foreach(entry IN LISTS copied)
    string(REPLACE "|" ";" entry "${entry}")
    list(GET entry 0 soname)
    list(GET entry 1 real)
    # dpkg knows a file under one spelling: /usr/lib/... or /lib/... (merged /usr), real or the alternative's link.
    string(REGEX REPLACE "^/usr/lib/" "/lib/" alias "${real}")
    set(package "")
    foreach(candidate "${real}" "${alias}")
      execute_process(COMMAND dpkg -S "${candidate}" OUTPUT_VARIABLE owner ERROR_QUIET RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
      if(rc EQUAL 0 AND owner MATCHES "^([^:,]+)(:[a-z0-9]+)?: ")
        set(package "${CMAKE_MATCH_1}")
        break()
      endif()
    endforeach()
    if(package STREQUAL "")
      string(APPEND listing "${soname}  (not from a Debian package: ${real})\n")
      continue()
    endif()
    execute_process(COMMAND "${QLIPX_DPKG_QUERY}" -W -f=\${Version} "${package}" OUTPUT_VARIABLE version ERROR_QUIET)
    string(APPEND listing "${soname}  ${package} ${version}\n")
    if(EXISTS "/usr/share/doc/${package}/copyright")
      file(MAKE_DIRECTORY "${third}/${package}")
      file(COPY_FILE "/usr/share/doc/${package}/copyright" "${third}/${package}/copyright")
    endif()
  endforeach()
else()
  string(APPEND listing "(dpkg-query not found: packages and licences unknown)\n")
endif()
file(WRITE "${third}/LIBRARIES.txt" "${listing}")
