// Small text functions shared by every subsystem that talks to users.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir {

// Levenshtein distance (insert, delete, substitute; each costs 1).
int EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `name` when it is close enough to be a likely
// typo (distance at most a third of the name's length, at least 1), for
// "did you mean ...?" hints.
std::optional<std::string> ClosestMatch(std::string_view name, const std::vector<std::string>& candidates);

// "; did you mean 'x'?" or "" when nothing is close.
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates);

// Appends the UTF-8 encoding of the code point `code`.
void AppendUtf8(std::string& out, uint32_t code);

// A JSON string literal: quotes, backslashes and control characters escaped;
// other bytes (UTF-8 included) kept as they are.
std::string JsonQuote(std::string_view text);

// "'a', 'b' or 'c'" for messages that list what was allowed.
std::string QuotedList(const std::vector<std::string>& items);

}  // namespace weir
