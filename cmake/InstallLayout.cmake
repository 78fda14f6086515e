# One layout for installed trees and the build tree (core/include/qlip/installlayout.h):
#   bin/qlipx, bin/qlip-explorer, share/qlip-explorer/{models,samples,labels}
# The programs look for their data only relative to their own executable, so the build tree is
# laid out the same way: both programs are built into <build>/bin and <build>/share/qlip-explorer
# links to resources/ (copies where links cannot be made, e.g. Windows without developer mode).
# No source or build path is compiled into a program. Included from the top CMakeLists.txt.
include(GNUInstallDirs)

set(QLIPX_DATA_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/qlip-explorer)   # share/qlip-explorer
set(QLIPX_DOC_INSTALL_DIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/qlip-explorer)
set(QLIPX_BUILD_BIN_DIR ${PROJECT_BINARY_DIR}/bin)
set(QLIPX_BUILD_DATA_DIR ${PROJECT_BINARY_DIR}/share/qlip-explorer)
# Where the project is published decides this id (desktop file, AppStream, icon names, Wayland app id).
set(QLIPX_APP_ID "io.github.qlipexplorer.QlipExplorer" CACHE STRING "Reverse-DNS application id")

# Programs of the install layout: built into <build>/bin. On ELF systems they are linked with
# full RELRO (-z now: the symbol table is resolved at start and made read-only), as Debian's
# hardening wants of installed programs; a link option only, nothing recompiles.
function(qlipx_layout_program target)
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${QLIPX_BUILD_BIN_DIR})
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_link_options(${target} PRIVATE LINKER:-z,relro,-z,now)
  endif()
endfunction()

file(MAKE_DIRECTORY ${QLIPX_BUILD_DATA_DIR})
foreach(folder models samples labels)
  set(link ${QLIPX_BUILD_DATA_DIR}/${folder})
  if(NOT EXISTS ${link})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/resources/${folder} ${link} SYMBOLIC RESULT linked)
    if(NOT linked EQUAL 0)
      message(STATUS "Cannot link ${link} (${linked}): copying resources/${folder} instead")
      file(COPY ${PROJECT_SOURCE_DIR}/resources/${folder} DESTINATION ${QLIPX_BUILD_DATA_DIR})
    endif()
  endif()
endforeach()
