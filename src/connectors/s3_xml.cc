// The little XML the object store needs: S3's answers are small documents
// of a known shape (no CDATA, no same-name nesting), so elements are found
// by their tags and entities decoded, rather than with a full parser.
#include <cstdlib>

#include "common/text.h"
#include "connectors/internal/s3_client.h"

namespace weir::s3 {
namespace {

// The position just after the start tag <tag> or <tag attr="..."> (or
// <tag/>, then `empty` is set), searching from `from`; npos when absent.
size_t FindStartTag(std::string_view xml, std::string_view tag, size_t from, bool& empty) {
  std::string open = "<" + std::string(tag);
  for (size_t at = xml.find(open, from); at != std::string_view::npos; at = xml.find(open, at + 1)) {
    size_t after_name = at + open.size();
    if (after_name >= xml.size()) return std::string_view::npos;
    char next = xml[after_name];
    if (next != '>' && next != '/' && next != ' ' && next != '\t' && next != '\r' && next != '\n') continue;
    size_t close = xml.find('>', after_name);
    if (close == std::string_view::npos) return std::string_view::npos;
    empty = xml[close - 1] == '/';
    return close + 1;
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> elements;
  std::string close = "</" + std::string(tag) + ">";
  size_t from = 0;
  for (;;) {
    bool empty = false;
    size_t begin = FindStartTag(xml, tag, from, empty);
    if (begin == std::string_view::npos) break;
    if (empty) {
      elements.emplace_back();
      from = begin;
      continue;
    }
    size_t end = xml.find(close, begin);
    if (end == std::string_view::npos) break;
    elements.push_back(xml.substr(begin, end - begin));
    from = end + close.size();
  }
  return elements;
}

std::optional<std::string> XmlValue(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> elements = XmlElements(xml, tag);
  if (elements.empty()) return std::nullopt;
  return XmlUnescape(elements.front());
}

std::string XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    size_t semicolon = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semicolon == std::string_view::npos || semicolon - i > 10) {
      out += text[i];
      continue;
    }
    std::string_view entity = text.substr(i + 1, semicolon - i - 1);
    if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "amp") {
      out += '&';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (entity.size() > 1 && entity[0] == '#') {
      bool hex = entity[1] == 'x' || entity[1] == 'X';
      std::string digits(entity.substr(hex ? 2 : 1));
      char* end = nullptr;
      unsigned long code = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (digits.empty() || *end != '\0' || code > 0x10FFFF) {
        out += text[i];
        continue;
      }
      AppendUtf8(out, static_cast<uint32_t>(code));
    } else {
      out += text[i];  // not an entity: kept as it is
      continue;
    }
    i = semicolon;
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

ErrorReply ParseErrorReply(std::string_view body) {
  ErrorReply reply;
  std::vector<std::string_view> error = XmlElements(body, "Error");
  if (error.empty()) return reply;
  reply.code = XmlValue(error.front(), "Code").value_or("");
  reply.message = XmlValue(error.front(), "Message").value_or("");
  return reply;
}

}  // namespace weir::s3
