// Python's str operations on UTF-8 text, shared by string methods
// (`s.split(',')`) and filters (`s | trim`). Case changes and character
// classes are ASCII's; other code points keep their case and count as
// letters (README.md, "Not yet").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weir::template_internal {

bool IsPythonSpace(uint32_t code);  // str.isspace() for one code point

std::string AsciiUpper(std::string_view text);
std::string AsciiLower(std::string_view text);
std::string SwapCase(std::string_view text);
std::string Capitalize(std::string_view text);  // str.capitalize
std::string PythonTitle(std::string_view text);  // str.title: "they're" -> "They'Re"

// str.strip/lstrip/rstrip: whitespace, or any code point of `chars`.
std::string Strip(std::string_view text, const std::optional<std::string>& chars, bool left, bool right);

// str.split / str.rsplit: on runs of whitespace (no empty parts) when `sep`
// is absent, else on `sep` (empty parts kept); at most `max_split` splits
// when >= 0. `sep` must not be empty (the caller checks).
std::vector<std::string> Split(std::string_view text, const std::optional<std::string>& sep, int64_t max_split,
                               bool from_right);
std::vector<std::string> SplitLines(std::string_view text, bool keep_ends);

// str.replace; template-limit past `limit` bytes.
Result<std::string> Replace(std::string_view text, std::string_view old_text, std::string_view new_text, int64_t count,
                            size_t limit);

// str.center/ljust/rjust with a one-code-point fill; template-limit when
// width is over `limit`.
Result<std::string> Justify(std::string_view text, int64_t width, std::string_view fill, char align, size_t limit);

// str.count/find/rfind in code points; -1 when absent.
int64_t CountOccurrences(std::string_view text, std::string_view part);
int64_t Find(std::string_view text, std::string_view part, bool from_right);

}  // namespace weir::template_internal
