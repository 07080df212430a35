// `show running-config json` of the VRRP configuration, and the address-owner check.
#include "vrrp/config/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "vrrp/config/owner.hpp"

namespace vipd::vrrp::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace test;

TEST(Json, SeedInstance) {
  auto r = load_keepalived_config(kSourceDir + "/tests/data/keepalived/seed.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  nlohmann::json j = to_json(*r);
  EXPECT_EQ(j["global_defs"]["router_id"], "LVS_DEVEL");
  EXPECT_EQ(j["global_defs"]["vrrp_version"], 2);
  EXPECT_EQ(j["global_defs"]["vrrp_mcast_group4"], "224.0.0.18");
  ASSERT_EQ(j["vrrp_instances"].size(), 1u);
  const nlohmann::json& v = j["vrrp_instances"][0];
  EXPECT_EQ(v["name"], "VI_1");
  EXPECT_EQ(v["state"], "BACKUP");
  EXPECT_EQ(v["interface"], "eth0");
  EXPECT_EQ(v["virtual_router_id"], 51);
  EXPECT_EQ(v["priority"], 10);
  EXPECT_EQ(v["advert_int"], 1.0);
  EXPECT_EQ(v["version"], 2);
  EXPECT_EQ(v["family"], "inet");
  EXPECT_EQ(v["auth_type"], "PASS");
  EXPECT_EQ(v["auth_pass_set"], true);
  EXPECT_FALSE(v.contains("auth_pass"));  // secrets stay out of machine output
  EXPECT_EQ(v["garp_master_delay"], 5);
  EXPECT_EQ(v["garp_master_repeat"], 5);
  EXPECT_EQ(v["accept"], true);
  EXPECT_EQ(v["source_address"], nullptr);
  ASSERT_EQ(v["virtual_ipaddress"].size(), 1u);
  EXPECT_EQ(v["virtual_ipaddress"][0]["address"], "192.168.5.1");
  EXPECT_EQ(v["virtual_ipaddress"][0]["prefix_length"], 16);
  EXPECT_EQ(v["virtual_ipaddress"][0]["dev"], "eth0");
  EXPECT_EQ(v["virtual_ipaddress"][0]["text"], "192.168.5.1/16 dev eth0");
  EXPECT_TRUE(v["track_script"].empty());
  EXPECT_TRUE(j["vrrp_scripts"].empty());
  EXPECT_TRUE(j["vrrp_sync_groups"].empty());
}

TEST(Json, ScriptsGroupsAndTracking) {
  auto c =
      parsed_ok("vrrp_script chk {\n script \"/bin/check 'a b'\"\n interval 2\n weight -5\n}\n" +
                instance(" version 3\n advert_int 0.5\n notify_master \"/bin/n m\" root\n"
                         " track_script {\n  chk\n }\n unicast_peer {\n  10.0.0.9 max_ttl 4\n }") +
                "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n}\n"
                "vrrp_sync_group G {\n group {\n  VI_1 VI_2\n }\n sync_group_tracking_weight\n}\n");
  nlohmann::json j = to_json(c);
  const nlohmann::json& s = j["vrrp_scripts"][0];
  EXPECT_EQ(s["name"], "chk");
  EXPECT_EQ(s["script"]["command"], "/bin/check 'a b'");
  EXPECT_EQ(s["script"]["argv"], nlohmann::json({"/bin/check", "a b"}));
  EXPECT_EQ(s["interval"], 2);
  EXPECT_EQ(s["timeout"], 2);  // unset: the interval
  EXPECT_EQ(s["weight"], -5);
  const nlohmann::json& v = j["vrrp_instances"][0];
  EXPECT_EQ(v["advert_int"], 0.5);
  EXPECT_EQ(v["notify_master"]["argv"], nlohmann::json({"/bin/n", "m"}));
  EXPECT_EQ(v["notify_master"]["user"], "root");
  EXPECT_EQ(v["track_script"][0],
            nlohmann::json({{"script", "chk"}, {"weight", -5}, {"reverse", false}}));
  EXPECT_EQ(v["unicast_peer"][0], nlohmann::json({{"address", "10.0.0.9"}, {"max_ttl", 4}}));
  EXPECT_EQ(j["vrrp_sync_groups"][0]["group"], nlohmann::json({"VI_1", "VI_2"}));
  EXPECT_EQ(j["vrrp_sync_groups"][0]["sync_group_tracking_weight"], true);
}

TEST(Json, NonUtf8TextDoesNotThrow) {
  auto c = parsed_ok("global_defs {\n router_id r\xff\xfe\n}\n");
  EXPECT_NO_THROW((void)to_json(c).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

TEST(AddressOwner, Priority255NeedsAnOwnedAddress) {
  auto owner = instance_of(instance(" priority 255"));
  EXPECT_THAT(check_address_owner(owner, {ip("10.0.0.1"), ip("10.0.0.99")}), IsEmpty());
  EXPECT_THAT(check_address_owner(owner, {ip("10.0.0.99")}),
              ElementsAre("(VI_1) priority 255 is reserved for the address owner, but no virtual "
                          "address of it is configured on this router"));
}

TEST(AddressOwner, OwnerMustUse255) {
  auto backup = instance_of(instance(" priority 100"));
  EXPECT_THAT(check_address_owner(backup, {ip("10.0.0.99")}), IsEmpty());
  EXPECT_THAT(check_address_owner(backup, {ip("10.0.0.1")}),
              ElementsAre("(VI_1) owns virtual address 10.0.0.1 (configured on this router) but "
                          "has priority 100; the address owner must use priority 255"));
}

}  // namespace
}  // namespace vipd::vrrp::config
