// Specifies the rtnetlink codec without a socket: datagrams built here byte for byte as
// the kernel lays them out decode into the interface index, name and flags, several
// messages in one datagram come out in order, an error reply carries its errno and
// sequence number, and a datagram whose lengths lie (a message or attribute longer than
// the bytes received, trailing junk) or whose error code is not a negated errno is
// corruption rather than a read past the end or an overflow. The
// query encoder is checked field by field against the layout the kernel parses.
// Buffers start at odd addresses on purpose: the decoder must not assume alignment
// (UBSan would catch a misaligned read).
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/linux/rtnetlink_codec.h"

namespace edgeroute::hal {
namespace {

constexpr std::size_t align4(std::size_t length) {
  return (length + 3) & ~std::size_t{3};
}

template <typename Struct>
void append_struct(std::vector<std::byte>& bytes, const Struct& value) {
  const auto* first = reinterpret_cast<const std::byte*>(&value);
  bytes.insert(bytes.end(), first, first + sizeof(Struct));
}

void pad(std::vector<std::byte>& bytes) {
  bytes.resize(align4(bytes.size()));
}

// One netlink message of `type` with `payload`, as the kernel would send it.
std::vector<std::byte> message(std::uint16_t type, std::uint32_t sequence,
                               const std::vector<std::byte>& payload) {
  nlmsghdr header{};
  header.nlmsg_len = static_cast<std::uint32_t>(sizeof(nlmsghdr) + payload.size());
  header.nlmsg_type = type;
  header.nlmsg_seq = sequence;
  std::vector<std::byte> bytes;
  append_struct(bytes, header);
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  pad(bytes);
  return bytes;
}

std::vector<std::byte> link_payload(int index, unsigned flags, const std::string& name) {
  ifinfomsg link{};
  link.ifi_index = index;
  link.ifi_flags = flags;
  std::vector<std::byte> bytes;
  append_struct(bytes, link);
  // An attribute the decoder skips, then the name (with its NUL, as the kernel sends it).
  rtattr mtu{};
  mtu.rta_len = sizeof(rtattr) + sizeof(std::uint32_t);
  mtu.rta_type = IFLA_MTU;
  append_struct(bytes, mtu);
  append_struct(bytes, std::uint32_t{1500});
  rtattr name_attribute{};
  name_attribute.rta_len = static_cast<unsigned short>(sizeof(rtattr) + name.size() + 1);
  name_attribute.rta_type = IFLA_IFNAME;
  append_struct(bytes, name_attribute);
  for (char character : name) bytes.push_back(static_cast<std::byte>(character));
  bytes.push_back(std::byte{0});
  pad(bytes);
  return bytes;
}

std::vector<std::byte> concatenate(std::vector<std::byte> first,
                                   const std::vector<std::byte>& second) {
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

// Decodes `bytes` from an odd address.
Result<std::vector<RtnetlinkMessage>> decode_misaligned(const std::vector<std::byte>& bytes) {
  std::vector<std::byte> shifted(bytes.size() + 1);
  std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
  return decode_rtnetlink_datagram(std::span<const std::byte>(shifted).subspan(1));
}

TEST(RtnetlinkCodec, DecodesNewAndDeletedLinksInOrder) {
  const auto datagram =
      concatenate(message(RTM_NEWLINK, 0, link_payload(4, IFF_UP | IFF_RUNNING, "eth0")),
                  message(RTM_DELLINK, 0, link_payload(7, 0, "wwan0")));
  auto messages = decode_misaligned(datagram);
  ASSERT_TRUE(messages) << messages.status().to_string();
  ASSERT_EQ(messages->size(), 2U);
  const RtnetlinkMessage& added = (*messages)[0];
  EXPECT_EQ(added.kind, RtnetlinkMessage::Kind::new_link);
  EXPECT_EQ(added.interface_index, 4);
  EXPECT_EQ(added.interface_name, "eth0");
  EXPECT_EQ(added.interface_flags, unsigned{IFF_UP | IFF_RUNNING});
  const RtnetlinkMessage& deleted = (*messages)[1];
  EXPECT_EQ(deleted.kind, RtnetlinkMessage::Kind::deleted_link);
  EXPECT_EQ(deleted.interface_index, 7);
  EXPECT_EQ(deleted.interface_name, "wwan0");
}

TEST(RtnetlinkCodec, DecodesAnErrorReplyWithItsErrnoAndSequence) {
  std::vector<std::byte> payload;
  append_struct(payload, -ENODEV);
  append_struct(payload, nlmsghdr{});  // the request it answers
  auto messages = decode_misaligned(message(NLMSG_ERROR, 42, payload));
  ASSERT_TRUE(messages);
  ASSERT_EQ(messages->size(), 1U);
  EXPECT_EQ((*messages)[0].kind, RtnetlinkMessage::Kind::error);
  EXPECT_EQ((*messages)[0].error_number, ENODEV);
  EXPECT_EQ((*messages)[0].sequence, 42U);
}

TEST(RtnetlinkCodec, AnErrorCodeThatIsNotANegatedErrnoIsCorruption) {
  // INT_MIN cannot be negated (signed overflow, which UBSan aborts on); a positive
  // code is not something the kernel sends.
  for (const int code : {std::numeric_limits<int>::min(), 5}) {
    std::vector<std::byte> payload;
    append_struct(payload, code);
    append_struct(payload, nlmsghdr{});
    const Status status = decode_misaligned(message(NLMSG_ERROR, 42, payload)).status();
    EXPECT_EQ(status.code(), StatusCode::corruption) << code;
    EXPECT_THAT(status.message(), ::testing::HasSubstr(std::to_string(code)));
  }
}

TEST(RtnetlinkCodec, AnAcknowledgementIsAnErrorReplyWithErrnoZero) {
  std::vector<std::byte> payload;
  append_struct(payload, 0);
  append_struct(payload, nlmsghdr{});
  auto messages = decode_misaligned(message(NLMSG_ERROR, 7, payload));
  ASSERT_TRUE(messages);
  ASSERT_EQ(messages->size(), 1U);
  EXPECT_EQ((*messages)[0].kind, RtnetlinkMessage::Kind::error);
  EXPECT_EQ((*messages)[0].error_number, 0);
}

TEST(RtnetlinkCodec, OtherMessagesAreReportedAsOther) {
  auto messages = decode_misaligned(message(NLMSG_DONE, 3, std::vector<std::byte>(4)));
  ASSERT_TRUE(messages);
  ASSERT_EQ(messages->size(), 1U);
  EXPECT_EQ((*messages)[0].kind, RtnetlinkMessage::Kind::other);
}

TEST(RtnetlinkCodec, AMessageLongerThanTheDatagramIsCorruption) {
  auto datagram = message(RTM_NEWLINK, 0, link_payload(4, 0, "eth0"));
  datagram.resize(datagram.size() - 8);
  EXPECT_EQ(decode_misaligned(datagram).status().code(), StatusCode::corruption);
}

TEST(RtnetlinkCodec, AnAttributeLongerThanItsMessageIsCorruption) {
  auto payload = link_payload(4, 0, "eth0");
  rtattr lying{};
  lying.rta_len = 200;
  lying.rta_type = IFLA_IFNAME;
  append_struct(payload, lying);
  EXPECT_EQ(decode_misaligned(message(RTM_NEWLINK, 0, payload)).status().code(),
            StatusCode::corruption);
}

TEST(RtnetlinkCodec, ALinkMessageTooShortForItsHeaderIsCorruption) {
  EXPECT_EQ(decode_misaligned(message(RTM_NEWLINK, 0, std::vector<std::byte>(8))).status().code(),
            StatusCode::corruption);
}

TEST(RtnetlinkCodec, TrailingBytesShorterThanAHeaderAreCorruption) {
  auto datagram = message(RTM_NEWLINK, 0, link_payload(4, 0, "eth0"));
  datagram.resize(datagram.size() + 8);
  EXPECT_EQ(decode_misaligned(datagram).status().code(), StatusCode::corruption);
}

TEST(RtnetlinkCodec, AnEmptyDatagramHoldsNoMessages) {
  auto messages = decode_rtnetlink_datagram({});
  ASSERT_TRUE(messages);
  EXPECT_TRUE(messages->empty());
}

TEST(RtnetlinkCodec, TheQueryAsksForOneInterfaceByName) {
  const std::vector<std::byte> request = encode_link_query("wwan0", 9);
  ASSERT_EQ(request.size() % 4, 0U);
  nlmsghdr header{};
  std::memcpy(&header, request.data(), sizeof(header));
  EXPECT_EQ(header.nlmsg_len, request.size());
  EXPECT_EQ(header.nlmsg_type, RTM_GETLINK);
  EXPECT_EQ(header.nlmsg_flags, NLM_F_REQUEST);  // not a dump: one interface
  EXPECT_EQ(header.nlmsg_seq, 9U);

  ifinfomsg link{};
  std::memcpy(&link, request.data() + sizeof(nlmsghdr), sizeof(link));
  EXPECT_EQ(link.ifi_family, AF_UNSPEC);
  EXPECT_EQ(link.ifi_index, 0);  // the kernel then looks the interface up by IFLA_IFNAME

  const std::size_t attribute_offset = sizeof(nlmsghdr) + sizeof(ifinfomsg);
  rtattr name{};
  std::memcpy(&name, request.data() + attribute_offset, sizeof(name));
  EXPECT_EQ(name.rta_type, IFLA_IFNAME);
  ASSERT_EQ(name.rta_len, sizeof(rtattr) + 6);
  const auto* text =
      reinterpret_cast<const char*>(request.data() + attribute_offset + sizeof(rtattr));
  EXPECT_EQ(std::string(text, 6), std::string("wwan0\0", 6));
}

}  // namespace
}  // namespace edgeroute::hal
