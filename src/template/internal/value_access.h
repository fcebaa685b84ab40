// What the renderer may do with values that their public interface does not
// offer: objects that keep something alive (an imported module keeps its
// top-level names), and the identity of a container.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "template/value.h"

namespace weir {

struct ValueAccess {
  // An object like TemplateValue::Object that also owns `owner` (an
  // imported module keeps its top-level scope).
  static TemplateValue ObjectWithOwner(TemplateMap attributes, std::string display,
                                       std::shared_ptr<const TemplateMap> owner);
  // The container or callable behind a value; null for scalars.
  static const void* Identity(const TemplateValue& value);
  static const TemplateValue::Data& Storage(const TemplateValue& value);
  // True when `value` holds the last reference to a container.
  static bool IsLastHandleOnContainer(const TemplateValue& value);

  // True when `target` (an Identity) is `from` or can be reached from it
  // through unfrozen containers and objects. Containers are reference
  // counted, so the renderer refuses to put a container inside itself: the
  // cycle would never be freed.
  static Result<bool> Reaches(const TemplateValue& from, const void* target);

  // A handle on `value` that does not keep a container alive (a bound
  // method must not, or `xs.append(xs.append)` would be a cycle).
  static std::function<std::optional<TemplateValue>()> WeakHandle(const TemplateValue& value);

  // Jinja's undefined with a reason (a macro parameter not given, a name a
  // module does not export): bound like a value, but reading it fails with
  // undefined-name and the reason, and `is defined` is false.
  static TemplateValue Missing(std::string reason);
  static bool IsMissing(const TemplateValue& value);
  static const std::string& MissingReason(const TemplateValue& value);  // only when IsMissing
};

}  // namespace weir
