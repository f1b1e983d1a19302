// Fedora Elections: elections and their candidates. Old messages nest the
// election and name the agent; new ones are the election itself with fas_user.

import { avatar } from "./util.js";

function election(m) {
  return m.election || m;
}
function agent(m) {
  return "agent" in m ? m.agent : m.fas_user;
}

export default {
  names: ["fedora_elections"],
  icon: null,
  subtitle(c) {
    const m = c.msg;
    const name = election(m).alias;
    const a = agent(m);
    switch (c.rest) {
      case "election.new": return a + ' created election "' + name + '"';
      case "election.edit": return a + ' edited election "' + name + '"';
      case "candidate.new": return a + ' added candidate "' + m.candidate.name + '" to election "' + name + '"';
      case "candidate.edit": return a + ' edited candidate "' + m.candidate.name + '" of election "' + name + '"';
      case "candidate.delete": return a + ' deleted candidate "' + m.candidate.name + '" of election "' + name + '"';
    }
    return "";
  },
  link(c) {
    return "https://admin.fedoraproject.org/voting/about/" + election(c.msg).alias;
  },
  secondary_icon(c) {
    return avatar(agent(c.msg));
  },
  usernames(c) {
    return [agent(c.msg)];
  },
  objects(c) {
    return [election(c.msg).alias + "/" + c.parts[c.parts.length - 2] + "/" + c.last];
  },
};
