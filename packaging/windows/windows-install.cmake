# What the Windows installer adds to the install tree (component "windows-runtime"), all into bin\
# next to the programs, where Windows looks for DLLs first:
#  - Qt's DLLs and plugins, by Qt's own deployment (windeployqt through qt_generate_deploy_app_script);
#  - LibTorch's DLLs (all of them: some are loaded at run time, not linked);
#  - every other DLL the programs link (vcpkg's: libpng, libjpeg, ...), by GET_RUNTIME_DEPENDENCIES;
#  - the MSVC and OpenMP runtime (InstallRequiredSystemLibraries).
# Built and run only by .github/workflows/windows.yml; on Linux only the NSIS script is checked.
if(TARGET qlip-explorer)
  if(Qt6_VERSION VERSION_GREATER_EQUAL 6.5)
    qt_generate_deploy_app_script(TARGET qlip-explorer OUTPUT_SCRIPT _qt_deploy NO_UNSUPPORTED_PLATFORM_ERROR)
  else() # Qt 6.3/6.4 name the output FILENAME_VARIABLE
    qt_generate_deploy_app_script(TARGET qlip-explorer FILENAME_VARIABLE _qt_deploy NO_UNSUPPORTED_PLATFORM_ERROR)
  endif()
  install(SCRIPT ${_qt_deploy} COMPONENT windows-runtime)
endif()

file(GLOB _torch_dlls "${TORCH_INSTALL_PREFIX}/lib/*.dll")
install(FILES ${_torch_dlls} DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT windows-runtime)

set(_programs $<TARGET_FILE:qlipx>)
if(TARGET qlip-explorer)
  list(APPEND _programs $<TARGET_FILE:qlip-explorer>)
endif()
# Where the linked DLLs live: LibTorch, Qt and the vcpkg tree of the build (VCPKG_INSTALLED_DIR).
set(_dll_dirs "${TORCH_INSTALL_PREFIX}/lib")
if(TARGET Qt6::Core)
  list(APPEND _dll_dirs "$<TARGET_FILE_DIR:Qt6::Core>")
endif()
if(DEFINED VCPKG_INSTALLED_DIR AND DEFINED VCPKG_TARGET_TRIPLET)
  list(APPEND _dll_dirs "${VCPKG_INSTALLED_DIR}/${VCPKG_TARGET_TRIPLET}/bin")
endif()
install(CODE "
  file(GET_RUNTIME_DEPENDENCIES
    EXECUTABLES ${_programs}
    RESOLVED_DEPENDENCIES_VAR deps
    UNRESOLVED_DEPENDENCIES_VAR missing
    DIRECTORIES ${_dll_dirs}
    PRE_EXCLUDE_REGEXES \"^api-ms-\" \"^ext-ms-\"
    POST_EXCLUDE_REGEXES \".*[Ss][Yy][Ss][Tt][Ee][Mm]32/.*\")
  foreach(dll IN LISTS deps)
    file(INSTALL \"\${dll}\" DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  endforeach()
  if(missing)
    message(WARNING \"DLLs not found (they must come from Windows itself): \${missing}\")
  endif()
" COMPONENT windows-runtime)

set(CMAKE_INSTALL_SYSTEM_RUNTIME_COMPONENT windows-runtime)
set(CMAKE_INSTALL_SYSTEM_RUNTIME_DESTINATION ${CMAKE_INSTALL_BINDIR})
set(CMAKE_INSTALL_OPENMP_LIBRARIES TRUE)
include(InstallRequiredSystemLibraries)
