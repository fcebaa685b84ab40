// The tojson filter: byte-for-byte what Jinja's htmlsafe_json_dumps gives
// (json.dumps with sort_keys=True and ensure_ascii, then <>&' escaped).
#include <algorithm>
#include <cmath>

#include "template/internal/budget.h"
#include "template/internal/filters.h"
#include "template/internal/format.h"
#include "template/internal/operators.h"
#include "template/internal/unicode.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;

void AppendEscape(std::string& out, uint32_t unit) { out += "\\u" + Hex(unit, 4); }

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    uint32_t code = NextCodePoint(text, i);
    switch (code) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '<': case '>': case '&': case '\'': AppendEscape(out, code); break;
      default:
        if (code >= 0x20 && code < 0x7F) {
          out += static_cast<char>(code);
        } else if (code < 0x10000) {
          AppendEscape(out, code);
        } else {
          code -= 0x10000;
          AppendEscape(out, 0xD800 | (code >> 10));
          AppendEscape(out, 0xDC00 | (code & 0x3FF));
        }
    }
  }
  out += '"';
}

class JsonWriter {
 public:
  explicit JsonWriter(int indent) : indent_(indent) {}

  Status Write(const TemplateValue& value, int level) {
    if (level > kMaxValueNesting) {
      return UserError("template-limit", "tojson: values nested more than " + std::to_string(kMaxValueNesting) +
                                             " levels deep (or a list that contains itself)");
    }
    WEIR_TRY(RenderBudget::Charge(kCostPerItem));
    if (out_.size() > kMaxValueBytes) return UserError("template-limit", "tojson: result larger than 16 MiB");
    switch (value.kind()) {
      case Kind::kNone: out_ += "null"; return OkStatus();
      case Kind::kBool: out_ += value.AsBool() ? "true" : "false"; return OkStatus();
      case Kind::kInt: out_ += std::to_string(value.AsInt()); return OkStatus();
      case Kind::kFloat: WriteFloat(value.AsFloat()); return OkStatus();
      case Kind::kString: AppendJsonString(out_, value.AsString()); return OkStatus();
      case Kind::kList:
      case Kind::kTuple: return WriteList(value.AsList(), level);
      case Kind::kMap: return WriteMap(value.AsMap(), level);
      case Kind::kCallable:
      case Kind::kObject: break;
    }
    return UserError("template-type", "tojson: a " + std::string(value.TypeName()) + " cannot be written as JSON");
  }

  std::string Take() { return std::move(out_); }

 private:
  void WriteFloat(double v) {
    if (std::isnan(v)) out_ += "NaN";
    else if (std::isinf(v)) out_ += v < 0 ? "-Infinity" : "Infinity";
    else out_ += FormatPythonFloat(v);
  }

  // Between items: ", " on one line, or ",\n" plus indentation.
  void Separator(size_t index, int level) {
    if (index > 0) out_ += indent_ < 0 ? ", " : ",";
    if (indent_ >= 0) out_ += "\n" + std::string(static_cast<size_t>(indent_ * level), ' ');
  }

  void Close(char c, int level) {
    if (indent_ >= 0) out_ += "\n" + std::string(static_cast<size_t>(indent_ * level), ' ');
    out_ += c;
  }

  Status WriteList(const TemplateValue::List& items, int level) {
    if (items.empty()) {
      out_ += "[]";
      return OkStatus();
    }
    out_ += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      Separator(i, level + 1);
      WEIR_TRY(Write(items[i], level + 1));
    }
    Close(']', level);
    return OkStatus();
  }

  Status WriteMap(const TemplateMap& map, int level) {
    if (map.empty()) {
      out_ += "{}";
      return OkStatus();
    }
    std::vector<const TemplateMap::Entry*> entries;
    for (const auto& entry : map) entries.push_back(&entry);
    std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
    out_ += '{';
    for (size_t i = 0; i < entries.size(); ++i) {
      Separator(i, level + 1);
      AppendJsonString(out_, entries[i]->first);
      out_ += ": ";
      WEIR_TRY(Write(entries[i]->second, level + 1));
    }
    Close('}', level);
    return OkStatus();
  }

  int indent_;
  std::string out_;
};

}  // namespace

Result<std::string> ToJson(const TemplateValue& value, int indent) {
  JsonWriter writer(indent);
  WEIR_TRY(writer.Write(value, 0));
  return writer.Take();
}

}  // namespace weir::template_internal
