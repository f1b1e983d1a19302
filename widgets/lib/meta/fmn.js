// FMN, Fedora's notification service: changes to people's rules, filters,
// preferences and delivery confirmations.

import { appIcon, avatar } from "./util.js";

// user takes the account from the OpenID host ("ralph.id.fedoraproject.org").
function user(m) {
  return String(m.openid).split(".")[0];
}

const SWAPS = { batch_values: "digest options", details: "delivery details" };

export default {
  names: ["fmn"],
  icon: appIcon("fedmsg.png"),
  subtitle(c) {
    const m = c.msg;
    const u = user(m);
    switch (c.rest) {
      case "confirmation.update": return "the " + m.changed + " of one of " + u + "'s pending confirmations changed";
      case "rule.update": return u + " updated the " + m.changed + " on a fmn " + m.context + " rule";
      case "filter.update": return u + " updated the " + m.changed + " on a fmn " + m.context + " filter";
      case "preference.update":
        if (m.changed === "enabled") return u + " toggled their flow of " + m.context + " messages";
        return u + " updated their " + m.context + " " + (SWAPS[m.changed] || m.changed);
    }
    return "";
  },
  link() {
    return "https://apps.fedoraproject.org/notifications/";
  },
  secondary_icon(c) {
    return avatar(user(c.msg));
  },
  usernames(c) {
    return [user(c.msg)];
  },
  objects(c) {
    const m = c.msg;
    return [[user(m), m.context, c.parts[c.parts.length - 2], m.changed].join("/")];
  },
};
