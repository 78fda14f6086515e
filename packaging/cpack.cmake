# CPack: the .deb (DEB), the portable Linux bundle (TGZ) and, on Windows, the NSIS installer.
#   cpack --config build/CPackConfig.cmake -G DEB    (tools/package.sh runs both Linux ones)
# cpack-generator.cmake (CPACK_PROJECT_CONFIG_FILE) picks, per generator, the components and
# the install prefix: the .deb installs into /usr without the bundle step; the bundle is
# relocatable and carries its libraries.
# Values reach CPack exactly as written here (quotes and backslashes too): nsis-settings.cmake is
# also read directly by the NSIS stage test, which must see the same strings.
set(CPACK_VERBATIM_VARIABLES ON)
set(CPACK_PACKAGE_NAME "qlip-explorer")
set(CPACK_PACKAGE_VENDOR "QLIP Explorer authors")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "explorer for the QLIP visual tokenizer's binary image tokens")
set(CPACK_PACKAGE_DESCRIPTION_FILE "${CMAKE_CURRENT_LIST_DIR}/description.txt")
set(CPACK_PACKAGE_CONTACT "${QLIPX_MAINTAINER}")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "QLIP Explorer")
set(CPACK_RESOURCE_FILE_LICENSE "${CMAKE_CURRENT_LIST_DIR}/linux/copyright")
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")
set(CPACK_PACKAGE_EXECUTABLES "qlip-explorer;QLIP Explorer")
set(CPACK_STRIP_FILES ON)
set(CPACK_OUTPUT_FILE_PREFIX "${PROJECT_BINARY_DIR}/packages")
set(CPACK_SOURCE_IGNORE_FILES "/\\.git/" "/build.*/" "/\\.cache/")
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
if(WIN32)
  set(CPACK_GENERATOR NSIS64)
else()
  set(CPACK_GENERATOR DEB TGZ)
endif()

# ---- .deb ---------------------------------------------------------------------------------------
# Depends: dpkg-shlibdeps reads it off the binaries (Qt, LibTorch, libstdc++, ...) and CPack
# adds the two run-time needs no binary shows:
#  - qt6-qpa-plugins: Qt's xcb platform plugin; without it the window cannot open at all.
#  - libopenblas0-openmp | libopenblas0: LibTorch 1.13 only Recommends a fast BLAS, and with the
#    reference libblas3 every fp32 matrix product runs about 20x slower (measured: 1024^3 matmul
#    270-370 ms against 16.5 ms, in the team's toolchain notes, section 4): a hard dependency.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libopenblas0-openmp | libopenblas0")
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The long description as is: read through CPACK_PACKAGE_DESCRIPTION_FILE, CPack 3.25 writes
# apostrophes as &apos;.
file(READ "${CPACK_PACKAGE_DESCRIPTION_FILE}" _description)
string(STRIP "${_description}" CPACK_DEBIAN_PACKAGE_DESCRIPTION)
# No maintainer scripts: dpkg triggers (desktop-file-utils, shared-mime-info, hicolor icon
# cache, man-db) update the menus, MIME database, icon cache and man index.

# ---- portable bundle ----------------------------------------------------------------------------
# The plain install tree, made self-contained by the bundle step (linux/bundle.cmake) that
# cpack-generator.cmake runs on the staging folder before the archive is written.
set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)

configure_file(${CMAKE_CURRENT_LIST_DIR}/cpack-generator.cmake.in ${PROJECT_BINARY_DIR}/cpack-generator.cmake @ONLY)
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_BINARY_DIR}/cpack-generator.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/windows/nsis-settings.cmake)
include(CPack)
