# vipd_add_library(NAME SOURCES ... DEPS ...): a static library whose headers are included as
# "module/path/file.hpp" relative to src/.
function(vipd_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# vipd_add_unit_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered with ctest under
# the label "unit" (the ASan+UBSan build runs exactly this label).
function(vipd_add_unit_test name)
  if(NOT VIPD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE VIPD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()

# vipd_add_fuzzer(NAME SOURCE DEPS ...): a libFuzzer target; ctest runs it briefly (label "fuzz")
# on the seed corpus in fuzz/corpus/NAME.
function(vipd_add_fuzzer name source)
  if(NOT VIPD_FUZZ)
    return()
  endif()
  add_executable(${name} ${source})
  set_property(GLOBAL APPEND PROPERTY VIPD_FUZZERS ${name})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  target_link_libraries(${name} PRIVATE ${ARGN})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set(corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
  set(work ${CMAKE_BINARY_DIR}/fuzz/work-${name})
  if(NOT DEFINED VIPD_FUZZ_SECONDS)
    set(VIPD_FUZZ_SECONDS 20)
  endif()
  add_test(NAME ${name}
           COMMAND sh -c "mkdir -p '${work}' && exec '$<TARGET_FILE:${name}>' -max_total_time=${VIPD_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 '${work}' '${corpus}'")
  set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 600)
endfunction()
