# bmf_library(NAME <target> SRCS ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
#   A static library for one concern; headers are included as "<component>/<folder>/<file>.h"
#   from the repository root.
function(bmf_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${A_NAME} STATIC ${A_SRCS})
  target_include_directories(${A_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${A_NAME} PUBLIC ${A_PUBLIC_DEPS} PRIVATE ${A_PRIVATE_DEPS})
endfunction()

# bmf_test(NAME <target> SRCS ... DEPS ... LABELS <component> <kind> [more])
#   One GoogleTest binary; every discovered test carries the given ctest LABELS
#   (component: agent coordinator bmc-proxy netconf images slurm acm common; kind: unit integration).
function(bmf_test)
  cmake_parse_arguments(A "SERIAL" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT A_LABELS)
    message(FATAL_ERROR "bmf_test(${A_NAME}) needs LABELS <component> <kind>")
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 120)
  endif()
  add_executable(${A_NAME} ${A_SRCS})
  target_include_directories(${A_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  # Where fixtures and the built binaries are, for tests that need them.
  target_compile_definitions(${A_NAME} PRIVATE BMF_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                               BMF_BUILD_DIR="${PROJECT_BINARY_DIR}")
  # gtest_add_tests (a source scan) rather than gtest_discover_tests: CMake 3.25's
  # discovery keeps only the first entry of a list-valued LABELS property.
  gtest_add_tests(TARGET ${A_NAME} SOURCES ${A_SRCS} TEST_LIST discovered)
  set_tests_properties(${discovered} PROPERTIES
    LABELS "${A_LABELS}" TIMEOUT ${A_TIMEOUT} SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
  if(A_SERIAL)
    # Tests against single-threaded real peers (netconfd) run alone, never next to a CPU-heavy test.
    set_tests_properties(${discovered} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()

# bmf_fuzz(NAME <target> SRCS ... LABELS <component> ... [LIBS ...])
#   A libFuzzer target built with clang beside the main (g++) build from the given
#   sources (header-only fmt), run by ctest for BMF_FUZZ_SECONDS from the seed
#   corpus in <this dir>/corpus/<target>. Disabled when clang++ is missing.
find_program(BMF_CLANGXX NAMES clang++-14 clang++)
set(BMF_FUZZ_SECONDS 15 CACHE STRING "seconds each fuzz target runs under ctest")
function(bmf_fuzz)
  cmake_parse_arguments(A "" "NAME" "SRCS;LABELS;LIBS" ${ARGN})
  if(NOT BMF_CLANGXX)
    return()
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${A_NAME})
  add_custom_command(OUTPUT ${out}
    COMMAND ${BMF_CLANGXX} -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -DFMT_HEADER_ONLY
            -I${PROJECT_SOURCE_DIR} ${A_SRCS} ${A_LIBS} -o ${out}
    DEPENDS ${A_SRCS}
    COMMENT "clang libFuzzer ${A_NAME}")
  add_custom_target(${A_NAME}_bin ALL DEPENDS ${out})
  add_test(NAME fuzz.${A_NAME}
    COMMAND ${PROJECT_SOURCE_DIR}/cmake/run_fuzzer.sh ${out} ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${A_NAME} ${BMF_FUZZ_SECONDS})
  # RUN_SERIAL: a fuzzer saturates a core; peers in other tests (netconfd) must not starve.
  set_tests_properties(fuzz.${A_NAME} PROPERTIES LABELS "${A_LABELS};unit;fuzz" TIMEOUT 300 RUN_SERIAL TRUE)
endfunction()
