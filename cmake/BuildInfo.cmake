# What `qlipx --version` and Help > About report about the build (core/src/buildinfo.cpp):
#  - qlip_buildconfig.h (configure time): version, compiler, platform;
#  - qlip_gitinfo.h (every build, rewritten only when it changes): `git describe` of the sources;
#  - the configuration (Release, Debug...) per source file, which also serves multi-config generators.
# Included from core/CMakeLists.txt; adds both headers to qlip_core.
set(QLIP_GENERATED_DIR ${PROJECT_BINARY_DIR}/generated)
if(MSVC)
  set(QLIP_COMPILER_TEXT "MSVC ${CMAKE_CXX_COMPILER_VERSION}")
elseif(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(QLIP_COMPILER_TEXT "GCC ${CMAKE_CXX_COMPILER_VERSION}")
else()
  set(QLIP_COMPILER_TEXT "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/qlip_buildconfig.h.in ${QLIP_GENERATED_DIR}/qlip_buildconfig.h @ONLY)

find_package(Git QUIET)
add_custom_target(qlip_gitinfo
  COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR} -DOUT=${QLIP_GENERATED_DIR}/qlip_gitinfo.h
          -DGIT=${GIT_EXECUTABLE} -P ${PROJECT_SOURCE_DIR}/cmake/write-gitinfo.cmake
  BYPRODUCTS ${QLIP_GENERATED_DIR}/qlip_gitinfo.h
  COMMENT "Reading the git commit of the sources"
  VERBATIM)

add_dependencies(qlip_core qlip_gitinfo)
target_include_directories(qlip_core PRIVATE ${QLIP_GENERATED_DIR})
set_source_files_properties(${PROJECT_SOURCE_DIR}/core/src/buildinfo.cpp PROPERTIES
  COMPILE_DEFINITIONS "QLIP_BUILD_TYPE=\"$<CONFIG>\"")
