// UTF-8 helpers: template text and string values are UTF-8, and Python
// counts, indexes and iterates strings by code point.
#pragma once

#include "common/text.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir::template_internal {

// Code points in `s` (bytes that do not continue a sequence).
int CountCodePoints(std::string_view s);

// The UTF-8 sequence of the code point starting at byte `offset`.
std::string_view CodePointAt(std::string_view s, size_t offset);

// Each code point of `s` as its own string.
std::vector<std::string> SplitCodePoints(std::string_view s);

// Decodes the code point starting at `offset` and advances past it; invalid
// bytes decode as themselves (Latin-1) so that nothing is lost.
uint32_t NextCodePoint(std::string_view s, size_t& offset);

// `value` as lowercase hex, zero-padded to `digits` (for \x and \u escapes).
std::string Hex(uint32_t value, int digits);

}  // namespace weir::template_internal
