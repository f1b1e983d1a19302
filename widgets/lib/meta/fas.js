// FAS, the Fedora Account System: accounts, groups and memberships.

import { avatar } from "./util.js";

// name reads a field that is a plain name in old messages and an object
// ({username} or {name}) in newer ones.
function name(v) {
  if (v && typeof v === "object") return "username" in v ? v.username : v.name;
  return v;
}

const MEMBER = {
  apply: (a, u, g) => a + " applied for " + u + "'s membership in the " + g + " group",
  sponsor: (a, u, g) => a + " sponsored " + u + "'s membership in the " + g + " group",
  remove: (a, u, g) => a + " removed " + u + " from the " + g + " group",
};

export default {
  names: ["fas"],
  icon: "https://admin.fedoraproject.org/accounts/static/theme/fas/images/account.png",
  subtitle(c) {
    const m = c.msg;
    const agent = name(m.agent);
    const user = name(m.user);
    const group = name(m.group);
    const t = c.rest;
    if (t === "user.create") return "New FAS account:  '" + user + "'  (created by '" + agent + "')";
    if (t === "user.update") return agent + " edited the following fields of " + user + "'s FAS profile:  " + m.fields.join(", ");
    if (t.startsWith("group.member.")) {
      const f = MEMBER[c.last];
      return f ? f(agent, user, group) : "<unhandled action in fedmsg.meta.fas>";
    }
    if (t === "group.create") return agent + " created new FAS group " + group;
    if (t === "group.update") return agent + " edited the following fields of the " + group + " FAS group:  " + m.fields.join(", ");
    if (t === "role.update") {
      let s = agent + " changed " + user + "'s role in the " + group + " group";
      if ("status" in m) s += " to " + name(m.status);
      return s;
    }
    return "";
  },
  secondary_icon(c) {
    return avatar(name(c.msg.agent));
  },
  usernames(c) {
    return [name(c.msg.agent), name(c.msg.user)];
  },
  objects(c) {
    const m = c.msg;
    const out = [];
    if ("user" in m) out.push("users/" + name(m.user));
    if ("group" in m) out.push("groups/" + name(m.group));
    return out;
  },
};
