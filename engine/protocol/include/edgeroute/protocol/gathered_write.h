// gather_frames: the front of a connection's queue of outgoing frames, as the buffers of
// one gathered write (writev), so that frames that queued up while a write was in flight
// leave in one system call. Used by every Asio peer that speaks the wire protocol: the
// gateway's server, and the load generator and echo server it is measured with.
//
// The buffers view the frames' bytes: the frames must stay queued, unmoved, until the
// write completes (a std::deque keeps its elements in place when others are appended).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <span>
#include <vector>

#include <asio/buffer.hpp>

#include "edgeroute/protocol/frame.h"

namespace edgeroute::protocol {

// Fills `buffers` with the first frames of `queue`, at most `max_frames`; returns how many.
inline std::size_t gather_frames(const std::deque<Frame>& queue,
                                 std::vector<asio::const_buffer>& buffers, std::size_t max_frames) {
  buffers.clear();
  const std::size_t count = std::min(queue.size(), max_frames);
  for (std::size_t i = 0; i < count; ++i) {
    const std::span<const std::uint8_t> bytes = queue[i].bytes();
    buffers.emplace_back(bytes.data(), bytes.size());
  }
  return count;
}

}  // namespace edgeroute::protocol
