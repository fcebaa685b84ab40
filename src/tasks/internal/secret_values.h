// SecretValues: the secret values rendered during one attempt, so that
// everything shown (logs, error messages, the state database) has them
// replaced by '***'.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/engine.h"
#include "template/template.h"

namespace weir::tasks_internal {

class SecretValues {
 public:
  void Add(std::string value);
  std::string Redact(std::string text) const;
  Status Redact(const Status& status) const;
  bool empty() const { return values_.empty(); }

 private:
  std::vector<std::string> values_;  // longest first
};

// A task kind whose rendered secrets never reach its error (which the state
// database keeps): RunWithSecrets records them, Run redacts the result.
class RedactingTask : public TaskRunner {
 public:
  Result<std::string> Run(const TaskContext& context) final;

 protected:
  virtual Result<std::string> RunWithSecrets(const TaskContext& context,
                                             const std::shared_ptr<SecretValues>& secrets) = 0;
};

// Replaces the context's secret() by one that also records what it returns.
void RecordSecrets(TemplateContext& names, const std::shared_ptr<SecretValues>& secrets);

}  // namespace weir::tasks_internal
