// Nuancier, the supplemental wallpaper elections: elections and candidates.

import { appIcon, avatar } from "./util.js";

export default {
  names: ["nuancier"],
  icon: appIcon("nuancier.png"),
  subtitle(c) {
    const m = c.msg;
    const a = m.agent;
    const name = m.election.name;
    switch (c.rest) {
      case "election.update":
        return a + ' changed the following details on the "' + name + '" election: ' + m.updated.join(", ");
      case "election.new": return a + ' created a new election "' + name + '"';
      case "candidate.new": return a + ' uploaded a new candidate for the "' + name + '" wallpaper election';
      case "candidate.denied":
      case "candidate.approved":
        return a + " " + c.last + " " + m.candidate.submitter + "'s \"" + m.candidate.name +
          '" submission to the "' + name + '" wallpaper election';
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    if (m.candidate && "original_url" in m.candidate) return m.candidate.original_url;
    return "https://apps.fedoraproject.org/nuancier/" + c.head + "/" + m.election.id;
  },
  secondary_icon(c) {
    return avatar(c.msg.agent);
  },
  usernames(c) {
    const out = [c.msg.agent];
    if (c.msg.candidate) out.push(c.msg.candidate.submitter);
    return out;
  },
  objects(c) {
    const m = c.msg;
    const kind = c.parts[c.parts.length - 2];
    const action = c.last;
    const tokens = [m.election.year, m.election.name, kind, action];
    if (m.candidate && m.candidate.name) tokens.splice(2, 0, m.candidate.name);
    return [tokens.join("/")];
  },
};
