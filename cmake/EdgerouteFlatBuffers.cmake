# FlatBuffers code generation and file embedding.
#
# edgeroute_flatbuffers_schemas(<target> OUTPUT_SUBDIR <dir> SCHEMAS <file.fbs>...
#                               [DEPENDS <schema target>])
#   Runs the host's flatc (also in cross builds: flatc generates portable C++) and
#   makes <target> an INTERFACE library carrying the generated headers, so that
#   `#include "edgeroute/<dir>/<name>_generated.h"` works for anyone who links it.
#   DEPENDS names another set made by this function whose schemas these include by
#   file name (`include "order.fbs";`): flatc finds them in that set's source
#   directory, the generated includes get that set's prefix
#   ("edgeroute/routing/fbs/order_generated.h") and <target> links it. The prefix
#   applies to every include, so schemas of a set with DEPENDS include only that set's.
#
# edgeroute_binary_schemas(<target> NAMESPACE <ns> SCHEMAS <name>=<file.fbs>...)
#   Compiles each schema (with everything it includes) to its binary form (.bfbs) and
#   embeds it as `std::string_view <ns>::<name>()`, for edgeroute::SchemaJson, which
#   reads and writes the schema's JSON at run time.
#
# edgeroute_embed_files(<target> NAMESPACE <ns> FILES <name>=<path>...)
#   Compiles each file's bytes into <target> as `std::string_view <ns>::<name>()`,
#   declared in the generated header <target>_embedded.h. Used for schema text
#   (FlatBuffers' JSON parser needs it at run time) and shipped defaults.

find_program(EDGEROUTE_FLATC flatc REQUIRED NO_CMAKE_FIND_ROOT_PATH)

function(edgeroute_flatbuffers_schemas target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT_SUBDIR;DEPENDS" "SCHEMAS")
  set(include_root "${CMAKE_CURRENT_BINARY_DIR}/generated")
  set(output_dir "${include_root}/edgeroute/${arg_OUTPUT_SUBDIR}")
  set(generated_headers "")
  # Schemas of one set include each other; regenerate every header when any changes.
  set(all_schema_paths "")
  foreach(schema IN LISTS arg_SCHEMAS)
    get_filename_component(schema_path "${schema}" ABSOLUTE)
    list(APPEND all_schema_paths "${schema_path}")
  endforeach()
  set(dependency_flags "")
  if(arg_DEPENDS)
    get_target_property(dependency_schemas ${arg_DEPENDS} EDGEROUTE_SCHEMA_PATHS)
    get_target_property(dependency_subdir ${arg_DEPENDS} EDGEROUTE_SCHEMA_SUBDIR)
    set(dependency_dirs "")
    foreach(dependency_schema IN LISTS dependency_schemas)
      get_filename_component(dependency_dir "${dependency_schema}" DIRECTORY)
      list(APPEND dependency_dirs "${dependency_dir}")
    endforeach()
    list(REMOVE_DUPLICATES dependency_dirs)
    foreach(dependency_dir IN LISTS dependency_dirs)
      list(APPEND dependency_flags -I "${dependency_dir}")
    endforeach()
    list(APPEND dependency_flags --include-prefix "edgeroute/${dependency_subdir}")
    list(APPEND all_schema_paths ${dependency_schemas})
  endif()
  foreach(schema IN LISTS arg_SCHEMAS)
    get_filename_component(schema_path "${schema}" ABSOLUTE)
    get_filename_component(schema_name "${schema}" NAME_WE)
    set(header "${output_dir}/${schema_name}_generated.h")
    add_custom_command(
      OUTPUT "${header}"
      COMMAND "${EDGEROUTE_FLATC}" --cpp --scoped-enums --gen-object-api
              --cpp-std c++17 --reflect-names ${dependency_flags}
              -I "${CMAKE_CURRENT_SOURCE_DIR}" -o "${output_dir}" "${schema_path}"
      DEPENDS ${all_schema_paths}
      COMMENT "flatc ${schema_name}.fbs"
      VERBATIM)
    list(APPEND generated_headers "${header}")
  endforeach()
  add_custom_target(${target}_codegen DEPENDS ${generated_headers})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_codegen)
  target_include_directories(${target} SYSTEM INTERFACE "${include_root}")
  target_link_libraries(${target} INTERFACE flatbuffers::flatbuffers ${arg_DEPENDS})
  # What a set that DEPENDS on this one needs to know (above).
  set_target_properties(${target} PROPERTIES
    EDGEROUTE_SCHEMA_PATHS "${all_schema_paths}"
    EDGEROUTE_SCHEMA_SUBDIR "${arg_OUTPUT_SUBDIR}")
endfunction()

function(edgeroute_embed_files target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "NAMESPACE" "FILES")
  set(output_dir "${CMAKE_CURRENT_BINARY_DIR}/embedded")
  set(header "${output_dir}/${target}_embedded.h")
  set(declarations "")
  set(sources "")
  foreach(entry IN LISTS arg_FILES)
    string(REPLACE "=" ";" pair "${entry}")
    list(GET pair 0 symbol)
    list(GET pair 1 path)
    get_filename_component(path "${path}" ABSOLUTE)
    set(source "${output_dir}/${target}_${symbol}.cpp")
    add_custom_command(
      OUTPUT "${source}"
      COMMAND "${CMAKE_COMMAND}" -DINPUT=${path} -DOUTPUT=${source}
              -DNAMESPACE=${arg_NAMESPACE} -DSYMBOL=${symbol}
              -P "${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake"
      DEPENDS "${path}" "${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake"
      COMMENT "embed ${symbol}"
      VERBATIM)
    list(APPEND sources "${source}")
    string(APPEND declarations "std::string_view ${symbol}();\n")
  endforeach()
  file(CONFIGURE OUTPUT "${header}" CONTENT
"// Generated by edgeroute_embed_files; do not edit.
#pragma once
#include <string_view>
namespace ${arg_NAMESPACE} {
${declarations}}
")
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC "${output_dir}")
  target_link_libraries(${target} PRIVATE edgeroute::sanitizers)
endfunction()

function(edgeroute_binary_schemas target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "NAMESPACE" "SCHEMAS")
  set(output_dir "${CMAKE_CURRENT_BINARY_DIR}/bfbs")
  set(embedded "")
  set(all_schema_paths "")
  foreach(entry IN LISTS arg_SCHEMAS)
    string(REPLACE "=" ";" pair "${entry}")
    list(GET pair 1 schema)
    get_filename_component(schema_path "${schema}" ABSOLUTE)
    list(APPEND all_schema_paths "${schema_path}")
  endforeach()
  foreach(entry IN LISTS arg_SCHEMAS)
    string(REPLACE "=" ";" pair "${entry}")
    list(GET pair 0 symbol)
    list(GET pair 1 schema)
    get_filename_component(schema_path "${schema}" ABSOLUTE)
    get_filename_component(schema_dir "${schema_path}" DIRECTORY)
    get_filename_component(schema_name "${schema}" NAME_WE)
    set(bfbs "${output_dir}/${schema_name}.bfbs")
    file(GLOB sibling_schemas "${schema_dir}/*.fbs")  # what `include` may pull in
    add_custom_command(
      OUTPUT "${bfbs}"
      COMMAND "${EDGEROUTE_FLATC}" --binary --schema -I "${schema_dir}" -o "${output_dir}"
              "${schema_path}"
      DEPENDS ${all_schema_paths} ${sibling_schemas}
      COMMENT "flatc --schema ${schema_name}.fbs"
      VERBATIM)
    list(APPEND embedded "${symbol}=${bfbs}")
  endforeach()
  edgeroute_embed_files(${target} NAMESPACE ${arg_NAMESPACE} FILES ${embedded})
endfunction()
