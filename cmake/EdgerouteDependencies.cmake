# Third-party libraries, all from Debian packages (scripts/setup.sh installs them).
# In cross builds the toolchain file points CMake at the target's multiarch
# directory, so these resolve to the target architecture's copies.

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

find_package(FlatBuffers 2.0 CONFIG REQUIRED)
find_package(date CONFIG REQUIRED)       # Howard Hinnant's date/tz: IANA time zones
find_package(fmt CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)   # command-line parsing for the edgeroute tools
find_package(SQLite3 REQUIRED)
find_package(Boost 1.74 REQUIRED)        # header-only parts: Lockfree, atomics helpers
find_package(OpenSSL 3 REQUIRED)         # TLS of the sync protocol, through Asio's ssl

pkg_check_modules(libsystemd REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(libsodium REQUIRED IMPORTED_TARGET libsodium)
# cpp-httplib serves the ops endpoint (/metrics, /healthz, /readyz): a small, complete
# HTTP/1.1 server, so no HTTP parsing of our own. Debian ships it as a shared library
# with a pkg-config file only (no CMake package).
pkg_check_modules(cpp_httplib REQUIRED IMPORTED_TARGET cpp-httplib)

# Asio standalone ships headers only and no CMake package.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(edgeroute_asio INTERFACE)
add_library(edgeroute::asio ALIAS edgeroute_asio)
target_include_directories(edgeroute_asio SYSTEM INTERFACE "${ASIO_INCLUDE_DIR}")
target_compile_definitions(edgeroute_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
target_link_libraries(edgeroute_asio INTERFACE Threads::Threads)
# Asio completes handlers behind std::atomic_thread_fence, which ThreadSanitizer does not
# model; GCC says so with -Wtsan in every file that instantiates an Asio operation. The
# fences order Asio's own queues; what the project hands between threads goes through
# strands, posts and atomics TSan does see.
if(EDGEROUTE_SANITIZER STREQUAL "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(edgeroute_asio INTERFACE -Wno-tsan)
endif()

# Asio's TLS streams (asio/ssl.hpp), over OpenSSL.
add_library(edgeroute_asio_ssl INTERFACE)
add_library(edgeroute::asio_ssl ALIAS edgeroute_asio_ssl)
target_link_libraries(edgeroute_asio_ssl INTERFACE edgeroute::asio OpenSSL::SSL OpenSSL::Crypto)

if(EDGEROUTE_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
