#include "edgeroute/protocol/frame.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace edgeroute::protocol {
namespace {

// Where received bytes start after the buffer is compacted: a frame's header at 4
// puts its payload at 8, aligned, with no move (FrameReader::next moves the others).
constexpr std::size_t kLead = kFrameHeaderBytes;

std::uint32_t read_length(const std::uint8_t* header) {
  return static_cast<std::uint32_t>(header[0]) | static_cast<std::uint32_t>(header[1]) << 8U |
         static_cast<std::uint32_t>(header[2]) << 16U |
         static_cast<std::uint32_t>(header[3]) << 24U;
}

void write_length(std::uint32_t length, std::uint8_t* header) {
  for (std::size_t i = 0; i < kFrameHeaderBytes; ++i) {
    header[i] = static_cast<std::uint8_t>(length >> (8U * i));
  }
}

using MaybePayload = std::optional<std::span<const std::uint8_t>>;

bool is_aligned(const void* pointer) {
  return reinterpret_cast<std::uintptr_t>(pointer) % kMessageAlignment == 0;
}

}  // namespace

flatbuffers::FlatBufferBuilder message_builder(std::size_t initial_bytes) {
  flatbuffers::FlatBufferBuilder builder(initial_bytes);
  builder.TrackMinAlign(kMessageAlignment);
  return builder;
}

flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> nested_buffer(
    flatbuffers::FlatBufferBuilder& builder, std::span<const std::uint8_t> buffer) {
  if (buffer.empty()) return 0;
  builder.ForceVectorAlignment(buffer.size(), sizeof(std::uint8_t), kMessageAlignment);
  return builder.CreateVector(buffer.data(), buffer.size());
}

Frame::Frame(flatbuffers::FlatBufferBuilder&& finished) {
  // Finish() padded the message to a multiple of its alignment, and the builder's memory
  // ends at an 8-byte boundary, so the message starts at one; pushing the header after
  // Finish (as FinishSizePrefixed does, but without moving the alignment base to the
  // header) puts it in front without copying the message.
  const auto payload_bytes = static_cast<std::uint32_t>(finished.GetSize());
  finished.PushElement<std::uint32_t>(payload_bytes);  // little-endian, as FlatBuffers stores
  buffer_ = finished.Release();
  EDGEROUTE_ASSERT(buffer_.size() == payload_bytes + kFrameHeaderBytes,
                   "the frame header was padded");
  EDGEROUTE_ASSERT(is_aligned(buffer_.data() + kFrameHeaderBytes),
                   "a built message is not 8-byte aligned");
}

std::vector<std::uint8_t> encode_frame(std::span<const std::uint8_t> payload) {
  EDGEROUTE_ASSERT(payload.size() <= UINT32_MAX, "a frame payload of 4 GiB or more");
  std::vector<std::uint8_t> frame(kFrameHeaderBytes + payload.size());
  write_length(static_cast<std::uint32_t>(payload.size()), frame.data());
  if (!payload.empty())
    std::memcpy(frame.data() + kFrameHeaderBytes, payload.data(), payload.size());
  return frame;
}

Result<std::uint32_t> decode_frame_length(std::span<const std::uint8_t, kFrameHeaderBytes> header,
                                          std::uint32_t max_frame_bytes) {
  const std::uint32_t length = read_length(header.data());
  if (length == 0) return Status(StatusCode::invalid_argument, "frame of 0 bytes");
  if (length > max_frame_bytes) {
    return Status(
        StatusCode::out_of_range,
        fmt::format("frame of {} bytes exceeds the maximum of {} bytes", length, max_frame_bytes));
  }
  return length;
}

FrameReader::FrameReader(std::uint32_t max_frame_bytes)
    : max_frame_bytes_(max_frame_bytes), begin_(kLead), end_(kLead) {
  EDGEROUTE_ASSERT(max_frame_bytes > 0, "a FrameReader that accepts no frame");
}

std::size_t FrameReader::room() const {
  if (refusal_) return 0;
  return std::size_t{max_frame_bytes_} + kFrameHeaderBytes - buffered();
}

void FrameReader::discard_consumed() {
  if (begin_ == kLead) return;
  const std::size_t kept = buffered();
  if (kept > 0) std::memmove(buffer_.data() + kLead, buffer_.data() + begin_, kept);
  begin_ = kLead;
  end_ = kLead + kept;
}

std::span<std::uint8_t> FrameReader::prepare(std::size_t wanted) {
  discard_consumed();
  const std::size_t granted = std::min(wanted, room());
  if (buffer_.size() < end_ + granted) buffer_.resize(end_ + granted);
  EDGEROUTE_ASSERT(is_aligned(buffer_.data()), "the allocator returned unaligned memory");
  prepared_ = granted;
  return {buffer_.data() + end_, granted};
}

void FrameReader::commit(std::size_t written) {
  EDGEROUTE_ASSERT(written <= prepared_, "committed more bytes than prepared");
  end_ += written;
  prepared_ = 0;
}

std::size_t FrameReader::append(std::span<const std::uint8_t> bytes) {
  const std::span<std::uint8_t> space = prepare(bytes.size());
  if (!space.empty()) std::memcpy(space.data(), bytes.data(), space.size());
  commit(space.size());
  return space.size();
}

Checked<std::optional<std::span<const std::uint8_t>>> FrameReader::next() {
  if (refusal_) return *refusal_;
  if (buffered() < kFrameHeaderBytes) return MaybePayload();
  const Result<std::uint32_t> length = decode_frame_length(
      std::span<const std::uint8_t, kFrameHeaderBytes>(buffer_.data() + begin_, kFrameHeaderBytes),
      max_frame_bytes_);
  if (!length) {
    refusal_ = Refusal{.code = length.status().code() == StatusCode::out_of_range
                                   ? fbs::ErrorCode::frame_too_large
                                   : fbs::ErrorCode::malformed_frame,
                       .message = length.status().message(),
                       .request_id = 0};
    return *refusal_;
  }
  if (buffered() < kFrameHeaderBytes + *length) return MaybePayload();

  std::uint8_t* payload = buffer_.data() + begin_ + kFrameHeaderBytes;
  // Move a misaligned payload back onto the boundary below it: what lies there (the
  // header just read, the previous payload already handed out) is no longer needed.
  // The buffer starts aligned and begin_ + 4 >= the offset, so the move stays inside.
  const std::size_t misalignment = reinterpret_cast<std::uintptr_t>(payload) % kMessageAlignment;
  if (misalignment != 0) {
    std::memmove(payload - misalignment, payload, *length);
    payload -= misalignment;
  }
  begin_ += kFrameHeaderBytes + *length;
  return MaybePayload(std::in_place, payload, *length);
}

}  // namespace edgeroute::protocol
