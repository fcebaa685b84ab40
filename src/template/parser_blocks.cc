// Block statements beyond if/for/set: macro, call, filter, with, import,
// from, include and dbt's block tags.
#include <algorithm>
#include <utility>

#include "common/text.h"
#include "template/internal/filters.h"
#include "template/internal/parser.h"

namespace weir::template_internal {

Status Parser::ParseSignature(MacroDef& def) {
  WEIR_TRY(Expect("(", "to start the parameter list"));
  while (!AtOperator(")")) {
    if (!def.params.empty()) WEIR_TRY(Expect(",", "between parameters"));
    if (AtOperator(")")) break;
    if (Peek().kind != TokenKind::kName) return Error("expected a parameter name, found " + Describe(Peek()), Peek().pos);
    Token param = Next();
    if (std::find(def.params.begin(), def.params.end(), param.text) != def.params.end()) {
      return Error("duplicate parameter '" + param.text + "'", param.pos);
    }
    ExprPtr fallback;
    if (AtOperator("=")) {
      Next();
      WEIR_ASSIGN_OR_RETURN(fallback, ParseExpression());
    } else if (!def.defaults.empty() && def.defaults.back() != nullptr) {
      return Error("parameter '" + param.text + "' without a default follows one with a default", param.pos);
    }
    def.params.push_back(param.text);
    def.defaults.push_back(std::move(fallback));
  }
  Next();
  return OkStatus();
}

Status Parser::ParseMacroBody(MacroDef& def, std::string_view tag, std::string_view end_tag, Position pos) {
  int saved = std::exchange(loop_nesting_, 0);  // a loop around the macro is not the macro's
  Result<Body> body = ParseBlockBody(tag, end_tag, pos);
  loop_nesting_ = saved;
  if (!body.ok()) return body.status();
  def.body = std::move(*body);
  def.uses_caller = BodyReadsName(def.body, "caller");
  def.uses_varargs = BodyReadsName(def.body, "varargs");
  def.uses_kwargs = BodyReadsName(def.body, "kwargs");
  return OkStatus();
}

Result<StmtPtr> Parser::ParseMacro(Position pos) {
  Next();  // macro
  auto stmt = std::make_unique<MacroStmt>(pos);
  if (Peek().kind != TokenKind::kName) return Error("expected the macro's name, found " + Describe(Peek()), Peek().pos);
  stmt->def.pos = Peek().pos;
  stmt->def.name = Next().text;
  WEIR_TRY(ParseSignature(stmt->def));
  WEIR_TRY(ExpectBlockEnd("macro"));
  WEIR_TRY(ParseMacroBody(stmt->def, "macro", "endmacro", pos));
  return StmtPtr(std::move(stmt));
}

Result<StmtPtr> Parser::ParseCallBlock(Position pos) {
  Next();  // call
  auto stmt = std::make_unique<CallBlockStmt>(pos);
  stmt->caller.name = "caller";
  stmt->caller.pos = pos;
  if (AtOperator("(")) WEIR_TRY(ParseSignature(stmt->caller));
  Position call_pos = Peek().pos;
  WEIR_ASSIGN_OR_RETURN(stmt->call, ParseExpression());
  if (stmt->call->kind != ExprKind::kCall) return Error("expected a call such as 'm(1)' after 'call'", call_pos);
  WEIR_TRY(ExpectBlockEnd("call"));
  WEIR_TRY(ParseMacroBody(stmt->caller, "call", "endcall", pos));
  return StmtPtr(std::move(stmt));
}

// `| name(args) | name2` (the first '|' optional) up to the tag's end.
Result<std::vector<BlockFilter>> Parser::ParseBlockFilters() {
  std::vector<BlockFilter> filters;
  do {
    if (AtOperator("|")) Next();
    BlockFilter filter;
    filter.pos = Peek().pos;
    WEIR_ASSIGN_OR_RETURN(filter.name, ParseDottedName());
    if (!IsDefaultFilter(filter.name) && FindFilter(filter.name) == nullptr) {
      return UserError("unknown-filter", "unknown filter '" + filter.name + "'" + DidYouMean(filter.name, FilterNames()),
                       LocationOf(origin_, filter.pos));
    }
    if (AtOperator("(")) {
      Next();
      WEIR_TRY(ParseArguments(filter.args));
    }
    filters.push_back(std::move(filter));
  } while (AtOperator("|"));
  return filters;
}

Result<StmtPtr> Parser::ParseFilterBlock(Position pos) {
  Next();  // filter
  auto stmt = std::make_unique<FilterBlockStmt>(pos);
  WEIR_ASSIGN_OR_RETURN(stmt->filters, ParseBlockFilters());
  WEIR_TRY(ExpectBlockEnd("filter"));
  WEIR_ASSIGN_OR_RETURN(stmt->body, ParseBlockBody("filter", "endfilter", pos));
  return StmtPtr(std::move(stmt));
}

Result<StmtPtr> Parser::ParseWith(Position pos) {
  Next();  // with
  auto stmt = std::make_unique<WithStmt>(pos);
  while (Peek().kind != TokenKind::kBlockEnd) {
    if (!stmt->assignments.empty()) WEIR_TRY(Expect(",", "between assignments"));
    WEIR_ASSIGN_OR_RETURN(Target target, ParseTarget(/*allow_tuple=*/true, /*allow_namespace=*/false));
    WEIR_TRY(Expect("=", "after the variable name in 'with'"));
    WEIR_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
    stmt->assignments.emplace_back(std::move(target), std::move(value));
  }
  WEIR_TRY(ExpectBlockEnd("with"));
  WEIR_ASSIGN_OR_RETURN(stmt->body, ParseBlockBody("with", "endwith", pos));
  return StmtPtr(std::move(stmt));
}

Result<bool> Parser::ParseContextModifier(bool fallback) {
  if ((AtName("with") || AtName("without")) && AtName("context", 1)) {
    bool with = Next().text == "with";
    Next();
    return with;
  }
  return fallback;
}

Result<StmtPtr> Parser::ParseImport(Position pos) {
  Next();  // import
  auto stmt = std::make_unique<ImportStmt>(pos);
  WEIR_ASSIGN_OR_RETURN(stmt->template_name, ParseExpression());
  if (!AtName("as")) return Error("expected 'as' after the template's name in 'import', found " + Describe(Peek()), Peek().pos);
  Next();
  if (Peek().kind != TokenKind::kName) return Error("expected a name after 'as', found " + Describe(Peek()), Peek().pos);
  stmt->alias = Next().text;
  WEIR_ASSIGN_OR_RETURN(stmt->with_context, ParseContextModifier(false));
  WEIR_TRY(ExpectBlockEnd("import"));
  return StmtPtr(std::move(stmt));
}

Result<StmtPtr> Parser::ParseFromImport(Position pos) {
  Next();  // from
  auto stmt = std::make_unique<FromImportStmt>(pos);
  WEIR_ASSIGN_OR_RETURN(stmt->template_name, ParseExpression());
  if (!AtName("import")) return Error("expected 'import' after the template's name, found " + Describe(Peek()), Peek().pos);
  Next();
  while (true) {
    if ((AtName("with") || AtName("without")) && AtName("context", 1)) break;
    if (Peek().kind != TokenKind::kName) {
      if (!stmt->names.empty()) break;
      return Error("expected a name to import, found " + Describe(Peek()), Peek().pos);
    }
    FromImportStmt::Imported imported;
    imported.pos = Peek().pos;
    imported.name = Next().text;
    if (imported.name.front() == '_') return Error("names starting with '_' are private and cannot be imported", imported.pos);
    imported.alias = imported.name;
    if (AtName("as")) {
      Next();
      if (Peek().kind != TokenKind::kName) return Error("expected a name after 'as', found " + Describe(Peek()), Peek().pos);
      imported.alias = Next().text;
    }
    stmt->names.push_back(std::move(imported));
    if (!AtOperator(",")) break;
    Next();
  }
  WEIR_ASSIGN_OR_RETURN(stmt->with_context, ParseContextModifier(false));
  WEIR_TRY(ExpectBlockEnd("from"));
  return StmtPtr(std::move(stmt));
}

Result<StmtPtr> Parser::ParseInclude(Position pos) {
  Next();  // include
  auto stmt = std::make_unique<IncludeStmt>(pos);
  WEIR_ASSIGN_OR_RETURN(stmt->template_name, ParseExpression());
  if (AtName("ignore") && AtName("missing", 1)) {
    Next();
    Next();
    stmt->ignore_missing = true;
  }
  WEIR_ASSIGN_OR_RETURN(stmt->with_context, ParseContextModifier(true));
  WEIR_TRY(ExpectBlockEnd("include"));
  return StmtPtr(std::move(stmt));
}

// dbt's `{% test name(args) %}`, `{% materialization name, adapter='x' %}`,
// `{% snapshot name %}` and `{% docs name %}`, each up to its end tag.
Result<StmtPtr> Parser::ParseDbtBlock(Position pos) {
  std::string tag = Next().text;
  DbtBlockKind kind = tag == "test" ? DbtBlockKind::kTest
                      : tag == "materialization" ? DbtBlockKind::kMaterialization
                      : tag == "snapshot" ? DbtBlockKind::kSnapshot : DbtBlockKind::kDocs;
  auto stmt = std::make_unique<DbtBlockStmt>(pos, kind);
  if (Peek().kind != TokenKind::kName) return Error("expected the " + tag + "'s name, found " + Describe(Peek()), Peek().pos);
  stmt->def.pos = Peek().pos;
  stmt->name = Next().text;
  if (kind == DbtBlockKind::kTest) {
    WEIR_TRY(ParseSignature(stmt->def));
  } else if (kind == DbtBlockKind::kMaterialization) {
    std::string adapter = "default";
    while (AtOperator(",")) {
      Next();
      if (Peek().kind != TokenKind::kName) return Error("expected an argument such as adapter='duckdb', found " + Describe(Peek()), Peek().pos);
      Token key = Next();
      if (key.text == "default" && !AtOperator("=")) continue;
      WEIR_TRY(Expect("=", "after the argument's name"));
      size_t start = Peek().offset;
      WEIR_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
      std::string text(source_.substr(start, Peek().offset - start));
      while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\t')) text.pop_back();
      if (value->kind == ExprKind::kLiteral && static_cast<LiteralExpr&>(*value).value.kind() == TemplateValue::Kind::kString) {
        text = static_cast<LiteralExpr&>(*value).value.AsString();
      }
      if (key.text == "adapter") {
        adapter = text;
      } else {
        stmt->arguments.emplace_back(key.text, text);
      }
    }
    stmt->arguments.insert(stmt->arguments.begin(), {"adapter", adapter});
  }
  size_t body_start = Peek().offset + (source_.substr(Peek().offset, 1) == "-" ? 3 : 2);  // after '[-]%}'
  WEIR_TRY(ExpectBlockEnd(tag));
  std::string end_tag = "end" + tag;
  WEIR_TRY(ParseMacroBody(stmt->def, tag, end_tag, pos));
  size_t body_end = tokens_[next_ - 1].offset;  // the '%}' of the end tag...
  for (size_t k = next_ - 1; k > 0; --k) {      // ...back to its '{%'
    if (tokens_[k].kind == TokenKind::kBlockBegin) {
      body_end = tokens_[k].offset;
      break;
    }
  }
  stmt->text = std::string(source_.substr(body_start, body_end > body_start ? body_end - body_start : 0));
  if (kind == DbtBlockKind::kTest) stmt->def.name = "test_" + stmt->name;
  if (kind == DbtBlockKind::kMaterialization) stmt->def.name = "materialization_" + stmt->name + "_" + stmt->arguments[0].second;
  if (kind == DbtBlockKind::kSnapshot) stmt->def.name = "snapshot_" + stmt->name;
  if (kind == DbtBlockKind::kDocs) stmt->def.name = "docs_" + stmt->name;
  program_.dbt_blocks.push_back(stmt.get());
  return StmtPtr(std::move(stmt));
}

}  // namespace weir::template_internal
