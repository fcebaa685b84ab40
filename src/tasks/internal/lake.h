// The lake behind the task kinds: a local folder, or a prefix of an S3
// bucket (weir.yml's `lake:` and `lake_options:`). Tasks write a lake file
// to a local path and publish it, and read lake files through local paths,
// so that no task kind learns where the lake is:
//   - a local lake writes in place (WriteQueryToFile renames a complete
//     file into place) and reads the files themselves;
//   - an S3 lake writes to a folder of the attempt under .weir/tmp/ and
//     uploads the complete file (one PUT, or a multipart upload: the object
//     appears whole or not at all); it reads objects through a cache,
//     .weir/lake-cache/BUCKET/KEY/@ETAG.EXT, whose copy a HEAD (or the
//     listing of a glob) proves current, linked into the attempt's folder
//     at their lake paths. DuckDB then reads local files only.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/tasks.h"

namespace weir::tasks_internal {

// A file a task writes to the lake: written at `path`, then Publish'ed.
struct LakeOutput {
  std::string relative;  // the lake path, normalized
  std::string path;      // local and absolute; its folder exists
};

// One attempt's view of the lake. Owns the attempt's local copies (staged
// inputs, outputs not yet published), removed when it is destroyed: paths
// it returns are valid as long as it lives. Not thread-safe: one attempt.
// Lake paths are relative to the lake root; an absolute one or one with a
// '..' folder is the user error "bad-lake-path".
class Lake {
 public:
  virtual ~Lake() = default;

  // How messages name a lake file: its local path, or its s3:// URI.
  virtual std::string Name(const std::string& relative) const = 0;

  // Where to write the file that becomes `relative`.
  virtual Result<LakeOutput> Output(const std::string& relative) = 0;
  // Makes the complete file at `output.path` the lake's `output.relative`
  // (an upload that replaces any object of that name), then removes the
  // local copy of a remote lake. Nothing to do for a local lake.
  virtual Status Publish(const LakeOutput& output) = 0;

  // A local path that reads the lake file `relative`. UserError
  // "input-missing" ("WHAT does not exist: RELATIVE", at `where`) when there
  // is no such file.
  virtual Result<std::string> Input(const std::string& relative, std::string_view what,
                                    const SourceLocation& where) = 0;
  // A local path or glob that reads what the lake path or glob `pattern`
  // (* ? [...] within a folder name, ** across folders) matches. A remote
  // lake stages every matching object, under InputRoot(); "input-missing"
  // when nothing matches. A local lake leaves a glob to DuckDB.
  virtual Result<std::string> Inputs(const std::string& pattern, const SourceLocation& where) = 0;
  // The local folder Inputs' paths are under, mirroring the lake.
  virtual std::string InputRoot() const = 0;

  // The lake paths `pattern` matches that are a finished file or a folder
  // holding one (the file sensor), sorted.
  virtual Result<std::vector<std::string>> Matches(const std::string& pattern) = 0;
};

// What `{{ lake }}` renders: the local lake's folder (absolute, as
// written: "lake/" gives ".../lake/"), or an S3 lake's s3://bucket/prefix/
// (which DuckDB here cannot read); a `lake:` that does not parse as is.
std::string LakeTemplateValue(const ProjectDef& project);

// The lake of `context`'s project, for one attempt (its cancel token and
// deadline bound every request). Contacts nothing: an S3 lake finds its
// credentials and store on first use.
Result<std::unique_ptr<Lake>> OpenLake(const TaskContext& context, const TaskServices& services);
// The same outside a run (`weir test`); `cancel` must outlive the lake.
Result<std::unique_ptr<Lake>> OpenLake(const ProjectDef& project, const TaskServices& services,
                                       const CancelToken& cancel, TimePoint deadline);

// Lake globs, as a remote lake matches them against keys.
// Whether `text` has a wildcard: * ? [ (or a backslash escape).
bool HasGlob(std::string_view text);
// Everything before the first wildcard: what each matching path starts with.
std::string GlobLiteralPrefix(std::string_view pattern);
// Whether the whole '/'-separated `path` matches `pattern`: * ? [...] match
// within one name (a leading '.' only explicitly), a ** name any number
// of folders (none included).
bool GlobMatches(std::string_view pattern, std::string_view path);

// The lake path `relative` checked and normalized ("raw//x.csv" is
// "raw/x.csv"): UserError "bad-lake-path" if absolute or with a '..' folder.
Result<std::string> NormalLakePath(const std::string& relative);

// An S3 lake (lake_s3.cc). Its local copies live under `staging` (created
// on first use, removed with the lake), its cache under the project's
// .weir/lake-cache/.
struct S3LakeSettings {
  const ProjectDef& project;
  LakeUri uri;
  const TaskServices& services;
  const CancelToken& cancel;
  TimePoint deadline;
  std::string staging;
};
std::unique_ptr<Lake> NewS3Lake(S3LakeSettings settings);

}  // namespace weir::tasks_internal
