#include "connectors/connectors.h"

namespace weir {

std::string SqlString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string SqlIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string SqlQualifiedName(std::string_view dotted) {
  size_t dot = dotted.find('.');
  if (dot == std::string_view::npos) return SqlIdentifier(dotted);
  return SqlIdentifier(dotted.substr(0, dot)) + "." + SqlIdentifier(dotted.substr(dot + 1));
}

namespace {

// Where the quoted text or comment starting at `i` ends (one past it).
size_t SkipQuoted(std::string_view s, size_t i) {
  char c = s[i];
  if (c == '\'' || c == '"') {
    for (size_t j = i + 1; j < s.size(); ++j) {
      if (s[j] != c) continue;
      if (j + 1 < s.size() && s[j + 1] == c) { ++j; continue; }  // doubled quote
      return j + 1;
    }
    return s.size();
  }
  if (s.substr(i, 2) == "--") {
    size_t end = s.find('\n', i);
    return end == std::string_view::npos ? s.size() : end + 1;
  }
  if (s.substr(i, 2) == "/*") {
    size_t end = s.find("*/", i + 2);
    return end == std::string_view::npos ? s.size() : end + 2;
  }
  if (c == '$') {  // $tag$ ... $tag$
    size_t close = s.find('$', i + 1);
    if (close == std::string_view::npos) return i + 1;
    std::string_view tag = s.substr(i, close - i + 1);
    for (char t : tag.substr(1, tag.size() - 2)) {
      if (!std::isalnum(static_cast<unsigned char>(t)) && t != '_') return i + 1;
    }
    size_t end = s.find(tag, close + 1);
    return end == std::string_view::npos ? s.size() : end + tag.size();
  }
  return i + 1;
}

bool IsBlank(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) { ++i; continue; }
    if (s.substr(i, 2) == "--" || s.substr(i, 2) == "/*") { i = SkipQuoted(s, i); continue; }
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> SplitSqlStatements(std::string_view script) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < script.size();) {
    char c = script[i];
    if (c == '\'' || c == '"' || c == '$' || script.substr(i, 2) == "--" || script.substr(i, 2) == "/*") {
      i = SkipQuoted(script, i);
    } else if (c == ';') {
      std::string_view part = script.substr(start, i - start);
      if (!IsBlank(part)) out.emplace_back(part);
      start = ++i;
    } else {
      ++i;
    }
  }
  std::string_view last = script.substr(start);
  if (!IsBlank(last)) out.emplace_back(last);
  return out;
}

}  // namespace weir
