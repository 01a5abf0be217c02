# bw_project_target(<target>): the compile settings every Breakwater target gets.
# Warnings are errors for project code only: third-party headers come in as SYSTEM
# includes through their imported targets, so they never trip -Werror.
function(bw_project_target target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual
    -Wimplicit-fallthrough -Werror)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false -Wrestrict/-Wstringop-overflow inside libstdc++ at -O2/-O3.
    target_compile_options(${target} PRIVATE -Wno-restrict -Wno-stringop-overflow)
    # Designated initializers leave members at their defaults on purpose; GCC 12 warns anyway.
    target_compile_options(${target} PRIVATE -Wno-missing-field-initializers)
  endif()
endfunction()

# Hardening for every build type.
add_compile_options(-fstack-protector-strong -fPIC)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
  add_compile_definitions(_FORTIFY_SOURCE=2)
endif()
add_link_options(-Wl,-z,relro,-z,now)
