# Every third-party package, found once and exposed as an imported target.
# Targets the rest of the build links against:
#   bw::openssl   bw::yaml   bw::json   bw::sodium  bw::grpc  bw::protobuf
#   bw::hiredis   bw::prometheus  bw::caf  bw::boost  bw::sqlite  bw::pq
#   bw::qrencode  bw::gtest  bw::benchmark
# Imported targets keep their include folders as SYSTEM, so -Werror never fires on them.

function(bw_alias name)
  add_library(${name} INTERFACE IMPORTED GLOBAL)
  target_link_libraries(${name} INTERFACE ${ARGN})
endfunction()

find_package(OpenSSL 3 REQUIRED)
bw_alias(bw::openssl OpenSSL::Crypto OpenSSL::SSL)

find_package(yaml-cpp REQUIRED)
bw_alias(bw::yaml yaml-cpp)

find_package(nlohmann_json 3 REQUIRED)
bw_alias(bw::json nlohmann_json::nlohmann_json)

find_package(Threads REQUIRED)

# protos/ is built by the fuzz preset too (the request fuzzer parses Envoy's messages).
find_package(Protobuf REQUIRED)
bw_alias(bw::protobuf protobuf::libprotobuf)
find_package(gRPC CONFIG REQUIRED)
# Every target that links gRPC also gets cmake/grpc_runtime.cpp's object (Abseil's mutex
# deadlock graph off: see that file). An object library compiles it once; INTERFACE_SOURCES
# reaches consumers through PUBLIC and INTERFACE links (a plain link of an object library
# reaches only direct ones), but not through a static library's PRIVATE link: every
# executable here links bw::grpc through bw_service or bw_protos, which link it PUBLIC, and
# service_test's GrpcRuntime test fails if the object goes missing.
add_library(bw_grpc_runtime OBJECT ${CMAKE_CURRENT_LIST_DIR}/grpc_runtime.cpp)
target_link_libraries(bw_grpc_runtime PRIVATE absl::synchronization)
bw_alias(bw::grpc gRPC::grpc++ protobuf::libprotobuf absl::synchronization)
set_property(TARGET bw::grpc APPEND PROPERTY INTERFACE_SOURCES $<TARGET_OBJECTS:bw_grpc_runtime>)
find_program(BW_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

if(BW_FUZZ)
  return()
endif()

find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
bw_alias(bw::hiredis PkgConfig::HIREDIS)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
bw_alias(bw::sodium PkgConfig::SODIUM)
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
bw_alias(bw::qrencode PkgConfig::QRENCODE)

find_package(prometheus-cpp CONFIG REQUIRED)
bw_alias(bw::prometheus prometheus-cpp::core)

find_package(Boost 1.74 REQUIRED)
bw_alias(bw::boost Boost::headers Threads::Threads)

find_package(SQLite3 REQUIRED)
bw_alias(bw::sqlite SQLite::SQLite3)
find_package(PostgreSQL REQUIRED)
bw_alias(bw::pq PostgreSQL::PostgreSQL)

# CAF 0.17 ships neither a CMake config nor a .pc file: make the targets by hand.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
find_library(CAF_IO_LIBRARY caf_io REQUIRED)
add_library(bw::caf UNKNOWN IMPORTED GLOBAL)
set_target_properties(bw::caf PROPERTIES
  IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES "${CAF_IO_LIBRARY};Threads::Threads")

if(BW_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
  bw_alias(bw::gtest GTest::gtest GTest::gmock)
  bw_alias(bw::gtest_main GTest::gtest_main GTest::gmock)
  include(GoogleTest)
endif()
if(BW_BUILD_BENCH)
  find_package(benchmark REQUIRED)
  bw_alias(bw::benchmark benchmark::benchmark)
endif()
