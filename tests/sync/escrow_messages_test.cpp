// The escrow messages of the sync protocol as the peers read them: a grant and a standing
// come through verification whole; a grant without an id or an epoch, of no units, or
// under a reference that is not one of central's grants is refused with words that name
// it, as is a standing with negative units.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/sync/central_delta.h"
#include "edgeroute/sync/messages.h"

namespace edgeroute::sync {
namespace {

using ::testing::HasSubstr;

EscrowGrant a_grant() {
  EscrowGrant grant;
  grant.grant_id = 7;
  grant.node_id = "3pl-columbus-2";
  grant.sku_id = "sku-stove-fuel";
  grant.epoch = 3;
  grant.units = 12;
  grant.expires_at_us = 1'790'000'000'000'000;
  grant.correlation_id = "central-escrow:00000000000000e1";
  return grant;
}

std::string refusal_of(const protocol::Frame& frame) {
  Result<const fbs::SyncMessage*> message = verify_sync_message(frame.payload());
  return message ? std::string() : message.status().message();
}

TEST(EscrowMessages, AGrantArrivesWhole) {
  const protocol::Frame frame = escrow_grant_frame(a_grant());
  Result<const fbs::SyncMessage*> message = verify_sync_message(frame.payload());
  ASSERT_TRUE(message) << message.status().to_string();
  const fbs::EscrowGrant* grant = (*message)->body_as_EscrowGrant();
  ASSERT_NE(grant, nullptr);
  EXPECT_EQ(grant->grant_id(), 7U);
  EXPECT_EQ(grant->node_id()->str(), "3pl-columbus-2");
  EXPECT_EQ(grant->sku_id()->str(), "sku-stove-fuel");
  EXPECT_EQ(grant->epoch(), 3U);
  EXPECT_EQ(grant->units(), 12);
  EXPECT_EQ(grant->expires_at_us(), 1'790'000'000'000'000);
  EXPECT_TRUE(names_central_escrow(grant->correlation_id()->string_view()));
}

TEST(EscrowMessages, AGrantThatCannotBeAppliedIsRefusedByName) {
  EscrowGrant no_id = a_grant();
  no_id.grant_id = 0;
  EXPECT_THAT(refusal_of(escrow_grant_frame(no_id)), HasSubstr("EscrowGrant has grant_id 0"));
  EscrowGrant no_units = a_grant();
  no_units.units = 0;
  EXPECT_THAT(refusal_of(escrow_grant_frame(no_units)), HasSubstr("EscrowGrant 7 grants 0 units"));
  EscrowGrant negative = a_grant();
  negative.units = -4;
  EXPECT_THAT(refusal_of(escrow_grant_frame(negative)), HasSubstr("grants -4 units"));
  EscrowGrant no_epoch = a_grant();
  no_epoch.epoch = 0;
  EXPECT_THAT(refusal_of(escrow_grant_frame(no_epoch)), HasSubstr("EscrowGrant 7 has epoch 0"));
  EscrowGrant a_delta = a_grant();
  a_delta.correlation_id = "central-delta:00000000000000e1";
  EXPECT_THAT(refusal_of(escrow_grant_frame(a_delta)), HasSubstr("not one of central's grants"));
}

TEST(EscrowMessages, AStandingArrivesWholeAndNegativeUnitsAreRefused) {
  const std::vector<EscrowLeaseStanding> leases = {
      {"3pl-columbus-2", "sku-stove-fuel", 3, 2, 10, 1'790'000'000'000'000},
      {"dropship-acme", "sku-kayak", 1, 5, 0, 1'790'000'000'000'000}};
  const protocol::Frame frame = escrow_standing_frame(leases);
  Result<const fbs::SyncMessage*> message = verify_sync_message(frame.payload());
  ASSERT_TRUE(message) << message.status().to_string();
  const fbs::EscrowStanding* standing = (*message)->body_as_EscrowStanding();
  ASSERT_NE(standing, nullptr);
  ASSERT_EQ(standing->leases()->size(), 2U);
  EXPECT_EQ(standing->leases()->Get(0)->unreserved_units(), 2);
  EXPECT_EQ(standing->leases()->Get(0)->reserved_units(), 10);
  EXPECT_EQ(standing->leases()->Get(1)->node_id()->str(), "dropship-acme");

  const std::vector<EscrowLeaseStanding> negative = {
      {"3pl-columbus-2", "sku-stove-fuel", 3, -1, 10, 0}};
  EXPECT_THAT(refusal_of(escrow_standing_frame(negative)),
              HasSubstr("EscrowStanding lease 0 has negative units"));
  EXPECT_EQ(refusal_of(escrow_standing_frame({})), "") << "no lease is a standing too";
}

}  // namespace
}  // namespace edgeroute::sync
