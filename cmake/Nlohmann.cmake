# nlohmann-json (header-only) for core's JSON reader/writer, as the INTERFACE target qlip_nlohmann.
# Found through the package's CMake config (Debian nlohmann-json3-dev), else in a folder holding
# nlohmann/json.hpp: -DQLIP_NLOHMANN_INCLUDE_DIR=..., or ${CMAKE_SOURCE_DIR}/.deps (where
# tools/gpu-check.sh copies /usr/include/nlohmann for machines without the package).
if(TARGET qlip_nlohmann)
  return()
endif()
add_library(qlip_nlohmann INTERFACE)
find_package(nlohmann_json 3.9 QUIET)
if(nlohmann_json_FOUND)
  target_link_libraries(qlip_nlohmann INTERFACE nlohmann_json::nlohmann_json)
  message(STATUS "nlohmann-json ${nlohmann_json_VERSION} (CMake package)")
else()
  find_path(QLIP_NLOHMANN_INCLUDE_DIR nlohmann/json.hpp HINTS ${CMAKE_SOURCE_DIR}/.deps
            DOC "folder that holds nlohmann/json.hpp")
  if(NOT QLIP_NLOHMANN_INCLUDE_DIR)
    message(FATAL_ERROR "nlohmann-json not found: install nlohmann-json3-dev, or copy its nlohmann/ folder into "
                        "${CMAKE_SOURCE_DIR}/.deps/, or pass -DQLIP_NLOHMANN_INCLUDE_DIR=<folder holding nlohmann/json.hpp>")
  endif()
  target_include_directories(qlip_nlohmann SYSTEM INTERFACE ${QLIP_NLOHMANN_INCLUDE_DIR})
  message(STATUS "nlohmann-json headers in ${QLIP_NLOHMANN_INCLUDE_DIR}")
endif()
