# edgeroute_add_gtest(<name> SOURCES <file>... LIBRARIES <target>... LABELS <label>...)
#
# One GoogleTest executable, its cases discovered by ctest. Discovery runs at test
# time (PRE_TEST) through CMAKE_CROSSCOMPILING_EMULATOR, so a cross build lists and
# runs its tests under qemu-user exactly as a native build does. Labels follow the
# project's taxonomy: unit, integration, fault, fuzz.

if(EDGEROUTE_BUILD_TESTS)
  include(GoogleTest)
  enable_testing()
endif()

function(edgeroute_add_gtest name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBRARIES;LABELS")
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBRARIES} GTest::gmock_main edgeroute::test_support
                                        edgeroute::project_options)
  target_compile_definitions(${name} PRIVATE
    EDGEROUTE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${arg_LABELS}" TIMEOUT 120)
endfunction()
