// The exactly-once marks: what a message carries, and how the newest batch
// and what each partition already has are found from the last messages.
#include <gtest/gtest.h>

#include "stream/internal/delivery_marks.h"

namespace weir::stream_internal {
namespace {

KafkaMessage Marked(const std::string& topic, int32_t partition, int64_t batch, int64_t seq, const std::string& ranges) {
  KafkaMessage m;
  m.topic = topic;
  m.partition = partition;
  m.headers = MarkHeaders(batch, seq, ranges);
  m.headers.insert(m.headers.begin(), {"user", "kept"});
  return m;
}

TEST(DeliveryMarksTest, RangesRoundTripThroughTheHeaders) {
  std::string ranges = EncodeRanges({{"raw-events", 0, 10, 25}, {"raw.events_2", 11, 0, 1}});
  EXPECT_EQ(ranges, "raw-events:0:10-25,raw.events_2:11:0-1");
  std::optional<BatchMark> mark = ReadMark(Marked("out", 0, 41, 7, ranges));
  ASSERT_TRUE(mark.has_value());
  EXPECT_EQ(mark->batch, 41);
  EXPECT_EQ(mark->seq, 7);
  ASSERT_EQ(mark->ranges.size(), 2u);
  EXPECT_EQ(mark->ranges[1].topic, "raw.events_2");
  EXPECT_EQ(mark->ranges[1].partition, 11);
  EXPECT_EQ(mark->ranges[0].start, 10);
  EXPECT_EQ(mark->ranges[0].end, 25);
}

TEST(DeliveryMarksTest, MessagesWithoutOrWithDamagedMarksAreIgnored) {
  KafkaMessage plain;
  EXPECT_FALSE(ReadMark(plain).has_value());
  EXPECT_FALSE(ReadMark(Marked("out", 0, 1, 2, "topic:x:1-2")).has_value());
  EXPECT_FALSE(ReadMark(Marked("out", 0, 1, 2, "topic-1-2")).has_value());
  KafkaMessage half = Marked("out", 0, 1, 2, "t:0:1-2");
  half.headers.pop_back();  // no weir.source
  EXPECT_FALSE(ReadMark(half).has_value());
}

TEST(DeliveryMarksTest, TheNewestBatchAndWhatEachPartitionHasOfItAreFound) {
  std::vector<KafkaMessage> last = {Marked("out", 0, 5, 9, "in:0:50-60"), Marked("out", 1, 6, 3, "in:0:60-70"),
                                    Marked("out", 2, 6, 8, "in:0:60-70"), Marked("dlq", 0, 4, 1, "in:0:40-50"),
                                    KafkaMessage{}};
  OutputEnd end = FindOutputEnd(last);
  EXPECT_EQ(end.newest.batch, 6);
  ASSERT_EQ(end.newest.ranges.size(), 1u);
  EXPECT_EQ(end.newest.ranges[0].start, 60);
  EXPECT_EQ(end.written, (std::map<std::pair<std::string, int32_t>, int64_t>{{{"out", 1}, 3}, {{"out", 2}, 8}}));
  EXPECT_EQ(FindOutputEnd({}).newest.batch, -1);
}

}  // namespace
}  // namespace weir::stream_internal
