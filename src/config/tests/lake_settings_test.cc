// weir.yml's `lake:` and `lake_options:` as the loader reads and checks them.
#include <gtest/gtest.h>

#include "config/config.h"

namespace weir {
namespace {

ProjectLoad Load(const std::string& project) {
  FakeFilesystem fs;
  EXPECT_TRUE(fs.WriteFile("proj/weir.yml", project).ok());
  return LoadProject("proj", fs);
}

std::vector<std::string> Describe(const ProjectLoad& load) {
  std::vector<std::string> out;
  for (const Status& s : load.errors) out.push_back(s.where().ToString() + " " + s.code());
  return out;
}

TEST(LakeUriTest, FoldersFileUrisAndS3Prefixes) {
  EXPECT_FALSE(ParseLakeUri("lake/")->s3);
  EXPECT_EQ(ParseLakeUri("lake/")->folder, "lake/");
  EXPECT_EQ(ParseLakeUri("file:///data/lake")->folder, "/data/lake");
  Result<LakeUri> s3 = ParseLakeUri("s3://shop-lake/team/lake/");
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  EXPECT_TRUE(s3->s3);
  EXPECT_EQ(s3->bucket, "shop-lake");
  EXPECT_EQ(s3->prefix, "team/lake");
  EXPECT_EQ(ParseLakeUri("s3://shop-lake")->prefix, "");
  EXPECT_EQ(ParseLakeUri("s3://shop-lake/")->prefix, "");
  EXPECT_EQ(ParseLakeUri("s3://").status().code(), "bad-lake");
  EXPECT_EQ(ParseLakeUri("s3:///prefix").status().code(), "bad-lake");
  EXPECT_EQ(ParseLakeUri("s3://Shop_Lake/x").status().code(), "bad-lake");
  EXPECT_EQ(ParseLakeUri("gs://bucket/x").status().code(), "bad-lake");
  EXPECT_EQ(ParseLakeUri("file://").status().code(), "bad-lake");
}

TEST(LakeUriTest, SizesTakeBinaryAndDecimalUnits) {
  EXPECT_EQ(*ParseByteSize("5242880", {}), 5242880u);
  EXPECT_EQ(*ParseByteSize("16MiB", {}), 16u << 20);
  EXPECT_EQ(*ParseByteSize("8MB", {}), 8000000u);
  EXPECT_EQ(*ParseByteSize("1gib", {}), 1u << 30);
  EXPECT_EQ(*ParseByteSize("512KiB", {}), 512u << 10);
  EXPECT_EQ(ParseByteSize("8 MB", {}).status().code(), "bad-size");
  EXPECT_EQ(ParseByteSize("MB", {}).status().code(), "bad-size");
  EXPECT_EQ(ParseByteSize("1.5GB", {}).status().code(), "bad-size");
  EXPECT_EQ(ParseByteSize("99999999999999999999", {}).status().code(), "bad-size");
  EXPECT_EQ(ParseByteSize("9999999999999GiB", {}).status().code(), "bad-size");
}

TEST(LakeSettingsTest, AnS3LakeWithItsOptions) {
  ProjectLoad load = Load(R"(name: shop
lake: s3://shop-lake/prod
lake_options:
  endpoint: "{{ env_var('S3_ENDPOINT') }}"
  region: eu-central-1
  addressing: path
  part_size: 16MiB
)");
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  EXPECT_EQ(load.project.lake, "s3://shop-lake/prod");
  EXPECT_EQ(load.project.lake_where.ToString(), "weir.yml:2:7");
  EXPECT_EQ(load.project.lake_options.endpoint, "{{ env_var('S3_ENDPOINT') }}");
  EXPECT_EQ(load.project.lake_options.region, "eu-central-1");
  EXPECT_EQ(load.project.lake_options.addressing, "path");
  EXPECT_EQ(load.project.lake_options.part_size, 16u << 20);
}

TEST(LakeSettingsTest, DefaultsAreALocalFolderAndAutoAddressing) {
  ProjectLoad load = Load("name: shop\n");
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.project.lake, "lake/");
  EXPECT_EQ(load.project.lake_options.addressing, "auto");
  EXPECT_EQ(load.project.lake_options.part_size, 0u);
  ProjectLoad plain = Load("name: shop\nlake: s3://shop-lake\n");
  ASSERT_TRUE(plain.ok()) << plain.errors[0].ToString();
}

TEST(LakeSettingsTest, EveryMistakeIsReportedWhereItIs) {
  ProjectLoad load = Load(R"(name: shop
lake: s3://shop-lake/prod
lake_options:
  endpoint: s3.example.com
  region: 5
  adressing: path
  part_size: 1MiB
)");
  EXPECT_EQ(Describe(load), (std::vector<std::string>{
                                "weir.yml:6:3 unknown-key",
                                "weir.yml:4:13 bad-value",
                                "weir.yml:7:14 out-of-range",
                            }));
  ProjectLoad more = Load(R"(lake: s3://shop-lake
lake_options: {endpoint: "http://127.0.0.1:9000/bucket", addressing: host, part_size: lots, region: "{{ regoin }}"}
)");
  EXPECT_EQ(Describe(more), (std::vector<std::string>{
                                "weir.yml:2:101 undefined-name",
                                "weir.yml:2:26 bad-value",
                                "weir.yml:2:70 bad-value",
                                "weir.yml:2:87 bad-size",
                            }));
}

TEST(LakeSettingsTest, ABadLakeAndOptionsOfALocalLake) {
  EXPECT_EQ(Describe(Load("lake: gs://bucket/x\n")), (std::vector<std::string>{"weir.yml:1:7 bad-lake"}));
  EXPECT_EQ(Describe(Load("lake: s3://My_Bucket\n")), (std::vector<std::string>{"weir.yml:1:7 bad-lake"}));
  EXPECT_EQ(Describe(Load("lake: data/lake\nlake_options: {region: eu-west-1}\n")),
            (std::vector<std::string>{"weir.yml:2:15 bad-lake"}));
  EXPECT_EQ(Describe(Load("lake_options: {region: eu-west-1}\n")),
            (std::vector<std::string>{"weir.yml:1:15 bad-lake"}));
}

}  // namespace
}  // namespace weir
