# Build-wide switches and the INTERFACE targets that carry compiler flags.
# Nothing here touches global flags: a target opts in by linking
# edgeroute::warnings and edgeroute::sanitizers.

option(EDGEROUTE_BUILD_TESTS "Build the test suite" ON)
option(EDGEROUTE_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" ON)
set(EDGEROUTE_SANITIZER "" CACHE STRING
  "Sanitizer build: empty, 'address' (AddressSanitizer + UBSan) or 'thread'")
set_property(CACHE EDGEROUTE_SANITIZER PROPERTY STRINGS "" address thread)
option(EDGEROUTE_FUZZ "Build the fuzz targets with libFuzzer (clang only)" OFF)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

# Not -Wnull-dereference: GCC 12 raises it at -O2 inside library code inlined into
# ours (FlatBuffers' vector accessors, libstdc++'s std::string under CLI11), where
# system-header suppression does not reach middle-end warnings; sanitizers catch
# real null dereferences instead.
add_library(edgeroute_warnings INTERFACE)
add_library(edgeroute::warnings ALIAS edgeroute_warnings)
target_compile_options(edgeroute_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wimplicit-fallthrough -Wdouble-promotion -Wformat=2
  $<$<BOOL:${EDGEROUTE_WARNINGS_AS_ERRORS}>:-Werror>)

add_library(edgeroute_sanitizers INTERFACE)
add_library(edgeroute::sanitizers ALIAS edgeroute_sanitizers)
if(EDGEROUTE_SANITIZER STREQUAL "address")
  set(_edgeroute_sanitizer_flags -fsanitize=address,undefined -fno-sanitize-recover=all
                                 -fno-omit-frame-pointer)
elseif(EDGEROUTE_SANITIZER STREQUAL "thread")
  set(_edgeroute_sanitizer_flags -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT EDGEROUTE_SANITIZER STREQUAL "")
  message(FATAL_ERROR "EDGEROUTE_SANITIZER must be empty, 'address' or 'thread', "
                      "not '${EDGEROUTE_SANITIZER}'")
endif()
# libFuzzer needs coverage feedback from the code under test, not only from the fuzz
# target's own file: every first-party object is instrumented, and the fuzz targets
# link the fuzzer's main (tests/fuzz/CMakeLists.txt).
if(EDGEROUTE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "EDGEROUTE_FUZZ needs clang (the fuzz preset uses clang-14)")
  endif()
  list(APPEND _edgeroute_sanitizer_flags -fsanitize=fuzzer-no-link)
endif()
if(_edgeroute_sanitizer_flags)
  target_compile_options(edgeroute_sanitizers INTERFACE ${_edgeroute_sanitizer_flags})
  target_link_options(edgeroute_sanitizers INTERFACE ${_edgeroute_sanitizer_flags})
endif()

# Every first-party target links this: warnings for our code, sanitizers for all of it.
add_library(edgeroute_project_options INTERFACE)
add_library(edgeroute::project_options ALIAS edgeroute_project_options)
target_link_libraries(edgeroute_project_options INTERFACE
  edgeroute::warnings edgeroute::sanitizers)

# 32-bit targets (armhf): 64-bit file offsets, inode numbers and block counts (glibc's
# large-file interface). With the 32-bit defaults readdir, stat and statvfs fail with
# EOVERFLOW as soon as a file system hands out a number above 2^32 (btrfs, XFS and
# overlayfs inodes, ext4 directory cookies). No API of ours passes these types across a
# library boundary, so it is safe to set for our code alone.
if(CMAKE_SIZEOF_VOID_P EQUAL 4)
  target_compile_definitions(edgeroute_project_options INTERFACE _FILE_OFFSET_BITS=64)
endif()
