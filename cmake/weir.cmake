# One helper per kind of target (STYLE.md).

# Aggregates set partly ({.limit = 2}, {"id", {}}) are idiomatic: their other
# fields keep their documented defaults.
set(WEIR_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers)
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

# weir_test(NAME SRCS a_test.cc DEPS weir_x [LABELS l])
# A GoogleTest executable registered with CTest, one CTest test per suite so
# that suites run in parallel.
function(weir_test name)
  if(NOT WEIR_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${WEIR_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  include(GoogleTest)
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "unit;${ARG_LABELS}"
               ENVIRONMENT "WEIR_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")
endfunction()

# weir_executable(NAME SRCS ... DEPS ...)
function(weir_executable name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${WEIR_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()
