# bw_add_test(<name> SOURCES ... [LIBS ...] [LABELS ...] [TIMEOUT s])
# One GoogleTest executable registered as one CTest test. LABELS must include one of
# unit, redis, postgres, e2e (tests/README.md says what each means); the default is unit.
# Tests find external vectors through BW_VECTORS_DIR and built binaries through BW_BIN_DIR.
function(bw_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${name} ${T_SOURCES})
  bw_project_target(${name})
  target_link_libraries(${name} PRIVATE ${T_LIBS} bw::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "BW_VECTORS_DIR=${BW_VECTORS_DIR};BW_BIN_DIR=${CMAKE_BINARY_DIR}/bin;BW_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()
