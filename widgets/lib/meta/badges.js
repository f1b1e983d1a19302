// Fedora Badges: awards, leaderboard moves and first logins.

import { appIcon, avatar } from "./util.js";

const ICON = appIcon("badges.png");

// user: badge.award names a "user", person.* messages a "person".
function user(m) {
  return m.user ? m.user.username : m.person.nickname;
}

export default {
  names: ["fedbadges"],
  iconFor(c) {
    if (c.rest === "badge.award" && c.msg.badge) return c.msg.badge.image_url;
    return ICON;
  },
  subtitle(c) {
    const m = c.msg;
    switch (c.rest) {
      case "badge.award": return user(m) + ' has been awarded the "' + m.badge.name + '" badge';
      case "person.rank.advance": return user(m) + " moved to position " + m.person.rank + " on the badges leaderboard";
      case "person.login.first": return user(m) + " logged in to badges.fedoraproject.org for the first time";
    }
    return "";
  },
  link(c) {
    return "https://badges.fedoraproject.org/user/" + user(c.msg);
  },
  secondary_icon(c) {
    return avatar(user(c.msg));
  },
  usernames(c) {
    return [user(c.msg)];
  },
  objects(c) {
    if (c.rest === "badge.award") return [String(c.msg.badge.name).toLowerCase().split(" ").join("-")];
    return [];
  },
};
