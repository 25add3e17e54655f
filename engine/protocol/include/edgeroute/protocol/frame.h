// Frames: how messages travel on a gateway connection. A frame is a 4-byte
// little-endian length N, then N bytes: one Request or Response FlatBuffer
// (docs/protocol.md). A length of 0 or above the receiver's maximum is refused before
// any payload is read, so a hostile length never makes the gateway allocate.
//
// Alignment. FlatBuffers reads 8-byte fields in place, so a payload must sit at an
// 8-byte boundary in memory (kMessageAlignment) and, on the wire, be a standalone
// buffer (offsets aligned relative to its own start, as FlatBufferBuilder::Finish
// makes them). Frame builds the header in front of a finished buffer without copying
// it; FrameReader hands out every payload 8-byte aligned.
//
// Thread-safety: Frame is an immutable value; a FrameReader belongs to one connection
// and is used by one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "edgeroute/base/result.h"
#include "edgeroute/protocol/checked.h"

namespace edgeroute::protocol {

inline constexpr std::size_t kFrameHeaderBytes = 4;
inline constexpr std::uint32_t kDefaultMaxFrameBytes = 1024 * 1024;
// The largest scalar FlatBuffers stores (ulong, double).
inline constexpr std::size_t kMessageAlignment = 8;

// A builder for a message a Frame will carry. It pads the finished message to a
// multiple of 8 bytes even when no field needs it (a message whose only 8-byte
// field, request_id, is 0 and so not stored), which keeps the payload of the Frame
// 8-byte aligned.
flatbuffers::FlatBufferBuilder message_builder(std::size_t initial_bytes = 256);

// `buffer`, a finished FlatBuffer (an order, a decision, a quote), as a [ubyte] field
// of the message `builder` is making, placed at a kMessageAlignment boundary so that it
// can be read in place (nested_flatbuffer). 0 (the field absent) when `buffer` is empty.
flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> nested_buffer(
    flatbuffers::FlatBufferBuilder& builder, std::span<const std::uint8_t> buffer);

// One encoded frame, header and payload contiguous: what goes to the socket.
class Frame {
 public:
  // Takes a builder holding a finished buffer (FlatBufferBuilder::Finish) and puts the
  // length header in front of it, in the builder's own memory.
  // REQUIRES: the builder came from message_builder() and is finished.
  explicit Frame(flatbuffers::FlatBufferBuilder&& finished);

  // Header + payload.
  std::span<const std::uint8_t> bytes() const { return {buffer_.data(), buffer_.size()}; }
  // The message alone, 8-byte aligned.
  std::span<const std::uint8_t> payload() const { return bytes().subspan(kFrameHeaderBytes); }

 private:
  flatbuffers::DetachedBuffer buffer_;
};

// A frame around a copy of `payload`, for payloads that were not built here (tests,
// relays). Prefer Frame for messages built with the builders (builders.h).
std::vector<std::uint8_t> encode_frame(std::span<const std::uint8_t> payload);

// The payload length a header declares. invalid_argument for 0 ("frame of 0 bytes"),
// out_of_range above max_frame_bytes.
Result<std::uint32_t> decode_frame_length(std::span<const std::uint8_t, kFrameHeaderBytes> header,
                                          std::uint32_t max_frame_bytes = kDefaultMaxFrameBytes);

// Cuts a byte stream into frames, however the stream was split into reads.
//
//   while (reading) {
//     std::span<std::uint8_t> space = reader.prepare(65536);
//     space = space.first(socket.read_some(space));   // or reader.append(received)
//     reader.commit(space.size());
//     while (true) {
//       auto next = reader.next();
//       if (!next) { answer(next.refusal()); close(); break; }   // terminal
//       if (!*next) break;                                       // need more bytes
//       handle(**next);
//     }
//   }
//
// It buffers at most max_frame_bytes + 4 bytes: room() says how many more it takes
// now, and it takes more only once the frames it holds have been handed out.
class FrameReader {
 public:
  explicit FrameReader(std::uint32_t max_frame_bytes = kDefaultMaxFrameBytes);

  // Copies as many of `bytes` as there is room for (room()) and returns how many.
  // Once every complete frame has been taken with next(), there is room for at least
  // one more byte, unless the reader has refused the stream.
  [[nodiscard]] std::size_t append(std::span<const std::uint8_t> bytes);

  // For reading from a socket straight into the reader: up to `wanted` bytes of
  // writable space (at most room()), then commit() says how many were written.
  // Invalidates the payload of the last next().
  std::span<std::uint8_t> prepare(std::size_t wanted);
  // REQUIRES: written <= the size of the last prepare().
  void commit(std::size_t written);

  // How many bytes the reader takes now: max_frame_bytes + 4 - buffered(); 0 once it
  // has refused the stream.
  std::size_t room() const;

  // The next complete payload (8-byte aligned, valid until the next call of next(),
  // append() or prepare()); std::nullopt until more bytes arrive; or a refusal
  // (malformed_frame for length 0, frame_too_large) after which the stream is dead:
  // the connection must be closed once the refusal is answered. next() keeps
  // returning the same refusal.
  Checked<std::optional<std::span<const std::uint8_t>>> next();

  // Bytes received and not yet handed out.
  std::size_t buffered() const { return end_ - begin_; }
  std::uint32_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  void discard_consumed();

  std::uint32_t max_frame_bytes_;
  std::vector<std::uint8_t> buffer_;
  std::size_t begin_ = 0;  // first byte not yet handed out
  std::size_t end_ = 0;    // one past the last byte received
  std::size_t prepared_ = 0;
  std::optional<Refusal> refusal_;
};

}  // namespace edgeroute::protocol
