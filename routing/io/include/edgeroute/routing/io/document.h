// Document<Root>: a FlatBuffers buffer of one routing schema (network, inventory,
// policy, order, decision) that has passed the generated Verifier, owning its bytes.
// Everything the routing core reads from outside arrives as a Document, so no code
// past this point touches an unverified offset.
//
// Thread-safety: immutable after construction; share it freely.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <flatbuffers/flatbuffers.h>

namespace edgeroute::routing::io {

template <typename Root>
class Document {
 public:
  // REQUIRES: `bytes` verified as a buffer whose root is Root.
  explicit Document(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}

  const Root& root() const { return *flatbuffers::GetRoot<Root>(bytes_.data()); }
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

}  // namespace edgeroute::routing::io
