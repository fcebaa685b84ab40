// What the config tests share: a project of one pipeline file loaded from a
// fake filesystem, and its errors as "file:line:col code" lines.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"

namespace weir::config_testing {

inline ProjectLoad LoadPipeline(const std::string& pipeline) {
  FakeFilesystem fs;
  EXPECT_TRUE(fs.WriteFile("proj/weir.yml", "name: shop\n").ok());
  EXPECT_TRUE(fs.WriteFile("proj/pipelines/p.yml", pipeline).ok());
  return LoadProject("proj", fs);
}

inline std::vector<std::string> Described(const ProjectLoad& load) {
  std::vector<std::string> out;
  for (const Status& s : load.errors) out.push_back(s.where().ToString() + " " + s.code());
  return out;
}

}  // namespace weir::config_testing
