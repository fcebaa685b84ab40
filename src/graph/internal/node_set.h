// Internal to src/graph: a set of node indexes as a bitset, so that the set
// operations of a selection are linear in the number of nodes and cheap
// for tens of thousands of them.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace weir::graph_internal {

class NodeSet {
 public:
  explicit NodeSet(int size = 0) : size_(size), words_((size + 63) / 64, 0) {}
  static NodeSet All(int size) {
    NodeSet set(size);
    for (int i = 0; i < size; ++i) set.Insert(i);
    return set;
  }

  int size() const { return size_; }  // how many nodes there are, not how many are in the set
  bool Contains(int i) const { return (words_[i / 64] >> (i % 64)) & 1; }
  void Insert(int i) { words_[i / 64] |= uint64_t{1} << (i % 64); }
  bool Empty() const {
    for (uint64_t word : words_) {
      if (word != 0) return false;
    }
    return true;
  }

  NodeSet& operator|=(const NodeSet& other) {
    for (size_t w = 0; w < words_.size(); ++w) words_[w] |= other.words_[w];
    return *this;
  }
  NodeSet& operator&=(const NodeSet& other) {
    for (size_t w = 0; w < words_.size(); ++w) words_[w] &= other.words_[w];
    return *this;
  }
  NodeSet& operator-=(const NodeSet& other) {
    for (size_t w = 0; w < words_.size(); ++w) words_[w] &= ~other.words_[w];
    return *this;
  }
  friend NodeSet operator|(NodeSet a, const NodeSet& b) { return a |= b; }
  friend NodeSet operator-(NodeSet a, const NodeSet& b) { return a -= b; }

  // Calls f(i) for every index in the set, ascending.
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t w = 0; w < words_.size(); ++w) {
      for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
        f(static_cast<int>(w * 64 + std::countr_zero(bits)));
      }
    }
  }
  std::vector<int> ToVector() const {
    std::vector<int> out;
    ForEach([&](int i) { out.push_back(i); });
    return out;
  }

 private:
  int size_;
  std::vector<uint64_t> words_;
};

}  // namespace weir::graph_internal
