# One helper per kind of target (STYLE.md).

# Aggregates set partly ({.limit = 2}, {"id", {}}) are idiomatic: their other
# fields keep their documented defaults.
# Warnings fail the developers' build (tests on), never a user's release
# build: another compiler version's new warning must not stop `weir` from
# building on a fresh machine.
set(WEIR_WERROR "")
if(WEIR_TESTS)
  set(WEIR_WERROR -Werror)
endif()
set(WEIR_WARNINGS -Wall -Wextra ${WEIR_WERROR} -Wno-unused-parameter -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  list(APPEND WEIR_WARNINGS -Wthread-safety)
elseif(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports false -Wrestrict positives inside std::string (GCC bug 105329).
  list(APPEND WEIR_WARNINGS -Wno-restrict)
endif()

if(WEIR_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# weir_library(NAME SRCS a.cc b.cc DEPS x y [PRIVATE_DEPS z])
# A subsystem library: target weir_NAME, sources relative to the folder.
function(weir_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(weir_${name} STATIC ${ARG_SRCS})
  target_include_directories(weir_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(weir_${name} PRIVATE ${WEIR_WARNINGS})
  target_link_libraries(weir_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# The private PostgreSQL cluster of a ctest run (tests/postgres/cluster.sh,
# the CTest fixture `postgres`) writes its port here.
set(WEIR_TEST_PG_STATE "${CMAKE_BINARY_DIR}/test-pg")

# weir_test(NAME SRCS a_test.cc DEPS weir_x [LABELS l] [FIXTURES f])
# A GoogleTest executable registered with CTest, one CTest test per suite so
# that suites run in parallel. FIXTURES names the CTest fixtures its tests
# need (`postgres`: the cluster, whose state folder is WEIR_TEST_PG_STATE).
function(weir_test name)
  if(NOT WEIR_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS;FIXTURES" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${WEIR_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE WEIR_TEST_PG_STATE="${WEIR_TEST_PG_STATE}")
  set(fixture_properties)
  if(ARG_FIXTURES)
    set(fixture_properties FIXTURES_REQUIRED "${ARG_FIXTURES}")
  endif()
  include(GoogleTest)
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "unit;${ARG_LABELS}"
               ENVIRONMENT "WEIR_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp"
               ${fixture_properties})
endfunction()

# weir_executable(NAME SRCS ... DEPS ...)
function(weir_executable name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${WEIR_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# weir_fuzzer(NAME SRCS a_fuzzer.cc DEPS weir_x CORPUS fuzz/corpus/NAME)
# A libFuzzer executable NAME_fuzzer, built only by the clang sanitizer build
# (scripts/build.sh test). The weir_ libraries in DEPS also get coverage
# instrumentation (-fsanitize=fuzzer-no-link, no libFuzzer linked), without
# which libFuzzer would see only the target's own branches. CTest test
# fuzz.NAME (label fuzz) replays the kept corpus: every input runs once,
# nothing new is tried or written, and any crash, sanitizer report or input
# slower than 10 s fails it. Fuzzing for new inputs is scripts/fuzz.sh NAME.
function(weir_fuzzer name)
  if(NOT WEIR_SANITIZE OR NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    return()
  endif()
  cmake_parse_arguments(ARG "" "CORPUS" "SRCS;DEPS" ${ARGN})
  cmake_path(ABSOLUTE_PATH ARG_CORPUS BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  add_executable(${name}_fuzzer ${ARG_SRCS})
  # ASan and UBSan come from WEIR_SANITIZE; libFuzzer is for this target only.
  target_compile_options(${name}_fuzzer PRIVATE ${WEIR_WARNINGS} -fsanitize=fuzzer)
  target_link_options(${name}_fuzzer PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name}_fuzzer PRIVATE ${ARG_DEPS})
  foreach(dep IN LISTS ARG_DEPS)
    if(dep MATCHES "^weir_")
      # Deferred to the end of the tree, as the library may be defined later
      # (EVAL so that the name is expanded now, not when the call runs).
      cmake_language(EVAL CODE "cmake_language(DEFER DIRECTORY [[${PROJECT_SOURCE_DIR}]]
        CALL target_compile_options [[${dep}]] PRIVATE -fsanitize=fuzzer-no-link)")
    endif()
  endforeach()
  if(WEIR_TESTS)
    # -runs=0 with a directory runs each input once; a crash input is saved
    # under the build folder, never in the corpus.
    add_test(NAME fuzz.${name}
      COMMAND ${name}_fuzzer -runs=0 -timeout=10 -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/${name}- ${ARG_CORPUS})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 60)
  endif()
endfunction()
