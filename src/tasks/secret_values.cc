#include "tasks/internal/secret_values.h"

#include <algorithm>

namespace weir::tasks_internal {

void SecretValues::Add(std::string value) {
  if (value.empty() || std::find(values_.begin(), values_.end(), value) != values_.end()) return;
  values_.push_back(std::move(value));
  // Longest first, so a secret containing another is replaced whole.
  std::sort(values_.begin(), values_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string SecretValues::Redact(std::string text) const {
  for (const std::string& secret : values_) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

Status SecretValues::Redact(const Status& status) const {
  if (status.ok() || values_.empty()) return status;
  Status out(status.kind(), status.code(), Redact(status.message()), status.where());
  if (status.retry_after()) out = out.WithRetryAfter(*status.retry_after());
  return out;
}

Result<std::string> RedactingTask::Run(const TaskContext& context) {
  auto secrets = std::make_shared<SecretValues>();
  Result<std::string> result = RunWithSecrets(context, secrets);
  if (result.ok() || secrets->empty()) return result;
  return secrets->Redact(result.status());
}

void RecordSecrets(TemplateContext& names, const std::shared_ptr<SecretValues>& secrets) {
  const TemplateValue* secret = names.Find("secret");
  if (secret == nullptr || secret->kind() != TemplateValue::Kind::kCallable) return;
  TemplateFunction inner = secret->AsCallable().function;
  names.AddFunction(
      "secret",
      [inner, secrets](const TemplateCallArgs& args) -> Result<TemplateValue> {
        Result<TemplateValue> value = inner(args);
        if (value.ok() && value->kind() == TemplateValue::Kind::kString) secrets->Add(value->AsString());
        return value;
      },
      TemplateFunctionOptions{true});
}

}  // namespace weir::tasks_internal
