// MapFields: reads one YAML mapping against the keys it may hold, adding an
// error for every unknown key (with a did-you-mean hint), missing required
// key and wrong type to a shared list, so loading goes on and reports all.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/config_node.h"

namespace weir::config_internal {

class MapFields {
 public:
  // `what` names the mapping in messages ("pipeline", "task 'load'").
  MapFields(const ConfigNode& node, std::string what, std::vector<std::string> allowed,
            std::vector<Status>& errors);

  bool is_map() const { return node_.is_map(); }
  const ConfigNode* Get(const std::string& key) const;
  // An error at the mapping when `key` is absent.
  const ConfigNode* Require(const std::string& key);

  std::optional<std::string> String(const std::string& key);
  std::optional<bool> Bool(const std::string& key);
  std::optional<int64_t> Int(const std::string& key, int64_t min_value);
  std::optional<std::chrono::milliseconds> Duration(const std::string& key);
  std::optional<std::vector<std::string>> StringList(const std::string& key);
  // One of `choices`, else an error listing them.
  std::optional<std::string> Choice(const std::string& key, const std::vector<std::string>& choices);

  void Add(Status s);  // records s when it is an error

 private:
  const ConfigNode& node_;
  std::string what_;
  std::vector<Status>& errors_;
};

}  // namespace weir::config_internal
