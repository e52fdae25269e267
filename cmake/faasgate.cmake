# faasgate_module(<name> SOURCES ... DEPS ...): one library per module, faasgate_<name>,
# whose public headers are <module dir>/include/faasgate/<name>/*.hpp, included as
# "faasgate/<name>/x.hpp". Each module has an include root of its own, so a module sees the
# headers of what it links and nothing else: a dependency CMake does not know about fails to
# compile. Private headers sit beside the sources and are included by their bare names.
function(faasgate_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(faasgate_${name} STATIC ${M_SOURCES})
  target_include_directories(faasgate_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
  target_link_libraries(faasgate_${name} PUBLIC ${M_DEPS})
endfunction()

# faasgate_test(<name> SOURCES ... DEPS ...): a GoogleTest executable registered with CTest.
function(faasgate_test name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT FAASGATE_TESTS)
    return()
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    FAASGATE_TESTDATA_DIR="${FAASGATE_TESTDATA_DIR}"
    FAASGATE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} TEST_PREFIX "${name}." DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()

# faasgate_client_library(<name> [EXPORT <set>]): a library a client links (src/lib/, src/sdk/):
# installed with its public headers as faasgate::<name>, in the export set that the package's
# config file loads - faasgate-client (find_package(faasgate)) unless another is named (the SDK's
# is faasgate-sdk). Only these are installed; the gateway's modules are not a client's business.
function(faasgate_client_library name)
  cmake_parse_arguments(L "" "EXPORT" "" ${ARGN})
  if(NOT L_EXPORT)
    set(L_EXPORT faasgate-client)
  endif()
  set_target_properties(faasgate_${name} PROPERTIES EXPORT_NAME ${name})
  add_library(faasgate::${name} ALIAS faasgate_${name})
  install(TARGETS faasgate_${name} EXPORT ${L_EXPORT} ARCHIVE DESTINATION lib COMPONENT faasgate_client)
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION include COMPONENT faasgate_client)
endfunction()
