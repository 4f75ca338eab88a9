# lightwell_target_options(<target>): the warning set every target of ours compiles with.
# -Werror is on by default (LIGHTWELL_WERROR) so a warning cannot land unnoticed in CI.
function(lightwell_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor)
  if(LIGHTWELL_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# lightwell_module(<name> [PUBLIC_DEPS ...] [PRIVATE_DEPS ...] [SOURCES ...])
# Declares lightwell_<name> with alias lightwell::<name> and public headers in
# <folder>/include/lightwell/<name>/. Sources are listed by the module's CMakeLists.
function(lightwell_module name)
  cmake_parse_arguments(M "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT M_SOURCES)
    # A module whose backends have not landed yet is headers only.
    add_library(lightwell_${name} INTERFACE)
    add_library(lightwell::${name} ALIAS lightwell_${name})
    target_include_directories(lightwell_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(lightwell_${name} INTERFACE ${M_PUBLIC_DEPS})
    return()
  endif()
  add_library(lightwell_${name} STATIC ${M_SOURCES})
  add_library(lightwell::${name} ALIAS lightwell_${name})
  target_include_directories(lightwell_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(lightwell_${name} PUBLIC ${M_PUBLIC_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  lightwell_target_options(lightwell_${name})
endfunction()
