# Hostile images through the CLI (issue #15): the 21-byte 16-bit PNM that crashed stb_image, a
# truncated PNG and a PNG announcing 100000x100000 pixels. Single-image commands must exit with
# status 1 and a message naming the file (a crash would show as a signal here, not as 1);
# folder commands must skip the files with a message and go on. Nothing is written for a
# failed encode. Run by CTest with -DQLIPX=... -DGOOD=<a good image> -DOUT=<scratch folder>.
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT}/folder ${OUT}/encoded)
string(ASCII 1 2 twoBytes)
file(WRITE ${OUT}/folder/evil.ppm "P6\n8000 8000\n65535\n${twoBytes}")
file(WRITE ${OUT}/folder/evil.pgm "P5\n8000 8000\n65535\n${twoBytes}")
file(READ ${GOOD} goodHex HEX)
string(SUBSTRING "${goodHex}" 0 400 cutHex) # the first 200 bytes
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" cutEscaped "${cutHex}")
execute_process(COMMAND printf "${cutEscaped}" OUTPUT_FILE ${OUT}/folder/cut.png)
file(COPY ${GOOD} DESTINATION ${OUT}/folder)
get_filename_component(goodName ${GOOD} NAME)

# expect(<exit code> <regexes the output must each match, ;-separated> command...)
function(expect code regex)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  if(NOT "${rc}" STREQUAL "${code}")
    message(FATAL_ERROR "exit status '${rc}', expected ${code}: ${ARGN}\n${out}\n${err}")
  endif()
  foreach(re IN LISTS regex)
    if(NOT "${out}${err}" MATCHES "${re}")
      message(FATAL_ERROR "output does not match '${re}': ${ARGN}\n${out}\n${err}")
    endif()
  endforeach()
  message(STATUS "ok (${rc}): ${ARGN}")
endfunction()

set(threads --threads 1)
foreach(evil evil.ppm evil.pgm)
  expect(1 "${evil}: truncated PNM: the header announces 8000x8000"
         ${QLIPX} encode ${OUT}/folder/${evil} -o ${OUT}/encoded ${threads})
  expect(1 "${evil}: truncated PNM" ${QLIPX} query ${OUT}/folder/${evil} --labels "cat, dog" ${threads})
endforeach()
expect(1 "cut.png: corrupt or truncated PNG" ${QLIPX} encode ${OUT}/folder/cut.png -o ${OUT}/encoded ${threads})
file(GLOB written ${OUT}/encoded/*)
if(written)
  message(FATAL_ERROR "a failed encode left files: ${written}")
endif()

set(index --index ${OUT}/index.safetensors ${threads})
expect(0 "skipped evil.ppm: .*truncated PNM;skipped cut.png: .*truncated PNG;1 images \\(1 encoded, 0 unchanged, 0 removed, 3 skipped\\)"
       ${QLIPX} index ${OUT}/folder ${index})
expect(0 "images 1, tokens" ${QLIPX} stats ${OUT}/folder ${index})
expect(0 "skipped evil.pgm: .*truncated PNM;[0-9]\\.[0-9]+  ${goodName}" ${QLIPX} search ${OUT}/folder "a cat" --top 1 ${index})
expect(1 "evil.ppm: truncated PNM" ${QLIPX} search ${OUT}/folder --image ${OUT}/folder/evil.ppm ${index})
