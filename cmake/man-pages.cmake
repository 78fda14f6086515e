# Writes the man pages qlipx.1.gz and qlip-explorer.1.gz with help2man from the programs'
# --help and --version output plus the hand-written sections in packaging/linux/man/*.h2m.
# qlipx's page also gets each command's --help, so that every option is documented.
# Run with cmake -P at install time (packaging/CMakeLists.txt), so builds do not pay for it.
# Inputs: QLIPX, EXPLORER (may be empty), HELP2MAN, GZIP, SRC (packaging/linux/man), OUT, VERSION
# (help2man gets the version from it, not from --version, whose build rows are no man-page text).
file(MAKE_DIRECTORY "${OUT}")

# roff-safe text: backslashes doubled, a leading dot or quote escaped.
function(roff_escape text out)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(qlipx_commands_section out)
  execute_process(COMMAND "${QLIPX}" --help OUTPUT_VARIABLE usage RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${QLIPX} --help failed (${rc})")
  endif()
  string(REGEX MATCHALL "\n  [a-z][a-z0-9-]+ " lines "${usage}")
  set(section "[COMMAND OPTIONS]\n")
  foreach(line IN LISTS lines)
    string(STRIP "${line}" name)
    execute_process(COMMAND "${QLIPX}" ${name} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${QLIPX} ${name} --help failed (${rc})")
    endif()
    roff_escape("${help}" help)
    string(APPEND section ".SS \"qlipx ${name}\"\n.nf\n${help}.fi\n")
  endforeach()
  set(${out} "${section}" PARENT_SCOPE)
endfunction()

function(make_page program name include)
  execute_process(COMMAND "${HELP2MAN}" --no-info --no-discard-stderr --section=1 --include=${include}
                          --version-string=${VERSION}
                          --output=${OUT}/${name}.1 "${program}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "help2man ${program} failed (${rc})")
  endif()
  # -n: no name or time stamp in the header, so the same page gives the same bytes.
  execute_process(COMMAND "${GZIP}" -9nf ${OUT}/${name}.1 RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${OUT}/${name}.1 failed (${rc})")
  endif()
  message(STATUS "Man page: ${OUT}/${name}.1.gz")
endfunction()

qlipx_commands_section(commands)
file(READ "${SRC}/qlipx.h2m" qlipx_include)
file(WRITE "${OUT}/qlipx.h2m" "${qlipx_include}\n${commands}")
make_page("${QLIPX}" qlipx "${OUT}/qlipx.h2m")
if(EXPLORER)
  make_page("${EXPLORER}" qlip-explorer "${SRC}/qlip-explorer.h2m")
endif()
