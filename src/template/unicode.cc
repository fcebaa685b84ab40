#include "template/internal/unicode.h"

namespace weir::template_internal {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

int CountCodePoints(std::string_view s) {
  int n = 0;
  for (char c : s) n += IsContinuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return n;
}

std::string_view CodePointAt(std::string_view s, size_t offset) {
  size_t end = offset + 1;
  while (end < s.size() && IsContinuation(static_cast<unsigned char>(s[end]))) ++end;
  return s.substr(offset, end - offset);
}

std::vector<std::string> SplitCodePoints(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    std::string_view cp = CodePointAt(s, i);
    out.emplace_back(cp);
    i += cp.size();
  }
  return out;
}

uint32_t NextCodePoint(std::string_view s, size_t& offset) {
  std::string_view cp = CodePointAt(s, offset);
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(cp[k])); };
  offset += cp.size();
  uint32_t lead = byte(0);
  if (cp.size() == 2 && (lead & 0xE0) == 0xC0) return ((lead & 0x1F) << 6) | (byte(1) & 0x3F);
  if (cp.size() == 3 && (lead & 0xF0) == 0xE0) return ((lead & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
  if (cp.size() == 4 && (lead & 0xF8) == 0xF0) {
    return ((lead & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
  }
  offset -= cp.size() - 1;  // malformed: take one byte
  return lead;
}


std::string Hex(uint32_t value, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  while (value != 0 || static_cast<int>(out.size()) < digits) {
    out.insert(out.begin(), kDigits[value & 0xF]);
    value >>= 4;
  }
  return out;
}

}  // namespace weir::template_internal
