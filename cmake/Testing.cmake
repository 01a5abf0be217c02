# bw_add_test(<name> SOURCES ... [LIBS ...] [LABELS ...] [TIMEOUT s])
# One GoogleTest executable registered as one CTest test. LABELS must include one of
# unit, redis, postgres, e2e (tests/README.md says what each means); the default is unit.
# Tests find external vectors through BW_VECTORS_DIR and built binaries through BW_BIN_DIR.
# Tests that run the real Claude Code CLI find it through BW_CLAUDE (exported by
# scripts/test.sh) or else BW_CLAUDE_DEFAULT: where scripts/claude-code.sh installs the version
# pinned in that script (its `version=` line), under ${XDG_CACHE_HOME:-~/.cache}/breakwater.
file(STRINGS ${CMAKE_SOURCE_DIR}/scripts/claude-code.sh _bw_claude_version_line REGEX "^version=")
string(REGEX REPLACE "^version=" "" BW_CLAUDE_VERSION "${_bw_claude_version_line}")
if(NOT BW_CLAUDE_VERSION MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+$")
  message(FATAL_ERROR "scripts/claude-code.sh: no `version=X.Y.Z` line (found '${BW_CLAUDE_VERSION}')")
endif()
if(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_bw_cache_home "$ENV{XDG_CACHE_HOME}")
else()
  set(_bw_cache_home "$ENV{HOME}/.cache")
endif()
set(BW_CLAUDE_DEFAULT
  "${_bw_cache_home}/breakwater/claude-code-${BW_CLAUDE_VERSION}/node_modules/@anthropic-ai/claude-code-linux-x64/claude")

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
    ENVIRONMENT "BW_VECTORS_DIR=${BW_VECTORS_DIR};BW_BIN_DIR=${CMAKE_BINARY_DIR}/bin;BW_SOURCE_DIR=${CMAKE_SOURCE_DIR};BW_CLAUDE_DEFAULT=${BW_CLAUDE_DEFAULT}")
endfunction()
