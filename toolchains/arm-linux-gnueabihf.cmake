# Target: 32-bit ARM Linux, hard-float ABI (Debian armhf), built with Debian's cross
# compiler against a sysroot of Debian's armhf packages, which
# scripts/make-armhf-sysroot.sh unpacks (scripts/setup.sh runs it).
# Unlike arm64 there is no multiarch install: a stale armhf index on a mirror breaks the
# host's apt, so the armhf libraries live in their own directory tree.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)

set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
# GCC on 32-bit ARM notes every std::vector<T> growth whose argument passing differs
# from GCC < 7.1 (-Wpsabi); all of this is built by one GCC 12, so the note says nothing.
# (64-bit file offsets for 32-bit targets are the project's business:
# cmake/EdgerouteOptions.cmake.)
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")

# The environment variable is read again by try_compile projects, which see no cache.
if(NOT EDGEROUTE_ARMHF_SYSROOT)
  if(DEFINED ENV{EDGEROUTE_ARMHF_SYSROOT})
    set(EDGEROUTE_ARMHF_SYSROOT "$ENV{EDGEROUTE_ARMHF_SYSROOT}")
  else()
    set(EDGEROUTE_ARMHF_SYSROOT /opt/edgeroute/sysroot-armhf)
  endif()
endif()
set(EDGEROUTE_ARMHF_SYSROOT "${EDGEROUTE_ARMHF_SYSROOT}" CACHE PATH "armhf sysroot")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES EDGEROUTE_ARMHF_SYSROOT)
if(NOT EXISTS "${EDGEROUTE_ARMHF_SYSROOT}/.edgeroute-sysroot-stamp")
  message(FATAL_ERROR "No armhf sysroot at ${EDGEROUTE_ARMHF_SYSROOT}: "
                      "run scripts/setup.sh first.")
endif()
set(CMAKE_SYSROOT "${EDGEROUTE_ARMHF_SYSROOT}")

# Host programs (flatc, qemu) from the host; libraries, headers and packages only from the
# sysroot (CLI11 and Asio too: they are unpacked there with the rest).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${CMAKE_SYSROOT}/usr/lib/arm-linux-gnueabihf/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")

# Test binaries run under user-mode emulation with the sysroot as their root: loader, libc
# and every library come from the same armhf packages. (Never the cross compiler's
# /usr/arm-linux-gnueabihf: a glibc whose loader and libc differ corrupts its thread
# bookkeeping, and pthread_create loops forever.)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L "${CMAKE_SYSROOT}")
