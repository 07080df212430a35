#include "bgp/wire/validate.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace vipd::bgp::wire {

namespace {

class Verdict {
 public:
  // Records a finding; keeps the strongest action and its error (RFC 7606 §3 (h)).
  void add(UpdateAction action, Error error) {
    if (!v_.reason.empty()) v_.reason += "; ";
    v_.reason += error.reason;
    if (!v_.error || action > v_.action) {
      v_.action = action;
      v_.error = std::move(error);
    }
  }
  void discard(std::uint8_t type, Error error) {
    if (std::find(v_.discard.begin(), v_.discard.end(), type) == v_.discard.end()) {
      v_.discard.push_back(type);
    }
    add(UpdateAction::kAttributeDiscard, std::move(error));
  }
  UpdateVerdict take() {
    std::sort(v_.discard.begin(), v_.discard.end());
    return std::move(v_);
  }

 private:
  UpdateVerdict v_;
};

Error update_error(std::uint8_t subcode, std::string reason, Bytes data = {}) {
  return make_error(error_code::kUpdateMessage, subcode, std::move(reason), std::move(data));
}

Error problem_error(const AttributeProblem& p) {
  return update_error(p.subcode, p.reason, p.data);
}

// RFC 7606 §7: the approach for a malformed (or wrongly flagged) recognised attribute.
void judge_problem(const AttributeProblem& p, const ValidationContext& ctx, Verdict& v) {
  switch (p.kind) {
    case ProblemKind::kOverrun:
      // RFC 7606 §4: treat-as-withdraw; the NLRI was found through the total length.
      v.add(UpdateAction::kTreatAsWithdraw, problem_error(p));
      return;
    case ProblemKind::kDuplicate:
      // RFC 7606 §3 (g): duplicate MP_REACH/MP_UNREACH is Malformed Attribute List (session
      // reset); any other duplicate was already dropped after the first occurrence.
      if (p.type == attr_type::kMpReachNlri || p.type == attr_type::kMpUnreachNlri) {
        v.add(UpdateAction::kSessionReset,
              update_error(update_subcode::kMalformedAttributeList, p.reason));
      }
      return;
    case ProblemKind::kUnrecognizedWellKnown:
      // RFC 4271 §6.3 (not revised by RFC 7606): Unrecognized Well-known Attribute.
      v.add(UpdateAction::kSessionReset, problem_error(p));
      return;
    case ProblemKind::kFlags:
    case ProblemKind::kMalformed:
      break;
  }
  switch (p.type) {
    case attr_type::kMpReachNlri:
    case attr_type::kMpUnreachNlri:
      // RFC 7606 §7.11 (and §3 (c) for flags): session reset (AFI/SAFI disable not used).
      v.add(UpdateAction::kSessionReset, problem_error(p));
      return;
    case attr_type::kAtomicAggregate:
    case attr_type::kAggregator:
      // RFC 7606 §7.6, §7.7: attribute-discard (also for bad flags: §3 (c) defers to §7).
      v.discard(p.type, problem_error(p));
      return;
    case attr_type::kAs4Path:
    case attr_type::kAs4Aggregator:
      // RFC 6793 §6: malformed AS4_PATH / AS4_AGGREGATOR are discarded (attribute-discard)
      // and the UPDATE is processed with AS_PATH / AGGREGATOR alone.
      v.discard(p.type, problem_error(p));
      return;
    case attr_type::kLocalPref:
    case attr_type::kOriginatorId:
    case attr_type::kClusterList:
      // RFC 7606 §7.5, §7.9, §7.10: from an external peer the attribute is discarded anyway.
      if (!ctx.ibgp) {
        v.discard(p.type, problem_error(p));
        return;
      }
      v.add(UpdateAction::kTreatAsWithdraw, problem_error(p));
      return;
    default:
      // RFC 7606 §7.1 ORIGIN, §7.2 AS_PATH, §7.3 NEXT_HOP, §7.4 MED, §7.8 COMMUNITIES,
      // RFC 8092 §5 LARGE_COMMUNITIES, RFC 7606 §3 (c) wrong flags: treat-as-withdraw.
      v.add(UpdateAction::kTreatAsWithdraw, problem_error(p));
      return;
  }
}

bool negotiated(const ValidationContext& ctx, AfiSafi as) {
  return std::find(ctx.afi_safis.begin(), ctx.afi_safis.end(), as) != ctx.afi_safis.end();
}

// RFC 4271 §6.3: a NEXT_HOP that is not a valid unicast host address.
bool bad_ipv4_next_hop(const IpAddress& nh) {
  auto o = nh.octets();
  return nh.is_unspecified() || o[0] >= 224 || (o[0] == 255 && o[1] == 255 && o[2] == 255);
}

}  // namespace

const char* action_name(UpdateAction a) {
  switch (a) {
    case UpdateAction::kAccept:
      return "accept";
    case UpdateAction::kAttributeDiscard:
      return "attribute-discard";
    case UpdateAction::kTreatAsWithdraw:
      return "treat-as-withdraw";
    case UpdateAction::kSessionReset:
      return "session-reset";
  }
  return "?";
}

UpdateVerdict validate_update(const Update& u, const ValidationContext& ctx) {
  Verdict v;
  const PathAttributes& a = u.attributes;
  for (const auto& p : u.problems) judge_problem(p, ctx, v);

  // Attributes that are well-formed but not acceptable from this peer.
  if (!ctx.ibgp) {
    // RFC 7606 §7.5: LOCAL_PREF from an external peer is discarded.
    if (a.local_pref) {
      v.discard(attr_type::kLocalPref,
                update_error(update_subcode::kUnspecific, "LOCAL_PREF from an external peer"));
    }
    // RFC 7606 §7.9, §7.10 (RFC 4456 §8 attributes are iBGP-only).
    if (a.originator_id) {
      v.discard(attr_type::kOriginatorId,
                update_error(update_subcode::kUnspecific, "ORIGINATOR_ID from an external peer"));
    }
    if (a.cluster_list) {
      v.discard(attr_type::kClusterList,
                update_error(update_subcode::kUnspecific, "CLUSTER_LIST from an external peer"));
    }
  }
  if (ctx.four_octet_as) {
    // RFC 6793 §4.1: AS4_PATH / AS4_AGGREGATOR between NEW speakers are discarded.
    if (a.as4_path) {
      v.discard(attr_type::kAs4Path,
                update_error(update_subcode::kUnspecific, "AS4_PATH from a 4-octet AS peer"));
    }
    if (a.as4_aggregator) {
      v.discard(attr_type::kAs4Aggregator,
                update_error(update_subcode::kUnspecific, "AS4_AGGREGATOR from a 4-octet AS peer"));
    }
  }
  if (a.as_path) {
    // RFC 7606 §7.2 / RFC 5065 §5.2: confederation segments from a non-confederation peer.
    if (!ctx.confederation_peer && a.as_path->has_confed_segments()) {
      v.add(UpdateAction::kTreatAsWithdraw,
            update_error(update_subcode::kMalformedAsPath,
                         "AS_PATH with confederation segments from a non-confederation peer"));
    }
    // RFC 4271 §6.3: the leftmost AS must be the external peer's AS (when enforced).
    if (ctx.enforce_first_as) {
      const auto& segs = a.as_path->segments;
      bool ok = !segs.empty() && segs.front().type == SegmentType::kAsSequence &&
                segs.front().asns.front() == *ctx.enforce_first_as;
      if (!ok) {
        v.add(UpdateAction::kTreatAsWithdraw,
              update_error(update_subcode::kMalformedAsPath,
                           fmt::format("AS_PATH does not start with the peer AS {}",
                                       *ctx.enforce_first_as)));
      }
    }
  }
  // RFC 4760 §6: MP attributes for AFI/SAFIs that were not negotiated are ignored.
  if (a.mp_reach && !negotiated(ctx, a.mp_reach->afi_safi)) {
    v.discard(attr_type::kMpReachNlri,
              update_error(update_subcode::kOptionalAttributeError,
                           "MP_REACH_NLRI for an AFI/SAFI that was not negotiated"));
  }
  if (a.mp_unreach && !negotiated(ctx, a.mp_unreach->afi_safi)) {
    v.discard(attr_type::kMpUnreachNlri,
              update_error(update_subcode::kOptionalAttributeError,
                           "MP_UNREACH_NLRI for an AFI/SAFI that was not negotiated"));
  }

  // RFC 7606 §3 (d): missing well-known mandatory attributes are treat-as-withdraw. ORIGIN and
  // AS_PATH are mandatory whenever something is announced; NEXT_HOP only with IPv4 NLRI in
  // the NLRI field (RFC 4760 §3). A malformed (already judged) attribute is not reported again.
  bool mp_announces = a.mp_reach && negotiated(ctx, a.mp_reach->afi_safi) &&
                      (!a.mp_reach->nlri.empty() || !a.mp_reach->opaque_nlri.empty());
  bool announces = !u.nlri.empty() || mp_announces;
  auto judged = [&](std::uint8_t type) {
    return std::any_of(u.problems.begin(), u.problems.end(), [type](const AttributeProblem& p) {
      return p.type == type && p.kind != ProblemKind::kDuplicate;
    });
  };
  auto require = [&](std::uint8_t type, bool present) {
    if (present || judged(type)) return;
    // RFC 4271 §6.3: data = the type code of the missing attribute.
    v.add(UpdateAction::kTreatAsWithdraw,
          update_error(update_subcode::kMissingWellKnownAttribute,
                       "missing " + attribute_name(type), Bytes{type}));
  };
  if (announces) {
    require(attr_type::kOrigin, a.origin.has_value());
    require(attr_type::kAsPath, a.as_path.has_value());
  }
  if (!u.nlri.empty()) {
    require(attr_type::kNextHop, a.next_hop.has_value());
    // RFC 4271 §6.3: a syntactically invalid NEXT_HOP; RFC 7606 §7.3: treat-as-withdraw.
    if (a.next_hop && bad_ipv4_next_hop(*a.next_hop)) {
      v.add(UpdateAction::kTreatAsWithdraw,
            update_error(update_subcode::kInvalidNextHopAttribute,
                         "NEXT_HOP " + a.next_hop->to_string() + " is not a unicast address"));
    }
  }
  return v.take();
}

UpdateVerdict verdict_for_decode_error(const Error& e) {
  UpdateVerdict v;
  // RFC 7606 §5.3, §4: the message cannot be parsed reliably; session reset.
  v.action = UpdateAction::kSessionReset;
  v.error = e;
  v.reason = e.reason;
  return v;
}

void apply_discards(Update& u, const UpdateVerdict& verdict) {
  for (auto type : verdict.discard) u.attributes.discard(type);
}

}  // namespace vipd::bgp::wire
