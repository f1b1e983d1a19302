// Trac instances on fedorahosted.org: tickets, wiki pages and git pushes.

import { avatar } from "./util.js";

function project(m) {
  return m.instance ? m.instance.project_name : "";
}
function base(m) {
  return m.instance ? m.instance.base_url : "";
}

export default {
  names: ["trac"],
  subtitle(c) {
    const m = c.msg;
    const on = " on the " + project(m) + " trac instance";
    switch (c.rest) {
      case "ticket.new": return m.agent + " filed a new ticket" + on;
      case "ticket.update": {
        const old = m.old_values || {};
        const t = m.ticket || {};
        if ("status" in old && t.status !== old.status) {
          if (t.status === "closed") return m.agent + " closed a ticket" + on + (t.resolution ? " as '" + t.resolution + "'" : "");
          return m.agent + " " + t.status + " a ticket" + on;
        }
        return m.agent + " updated a ticket" + on;
      }
      case "ticket.delete": return m.agent + " straight-up deleted a ticket" + on;
      case "wiki.page.new": return m.agent + " created a new '" + m.page.name + "' wiki page" + on;
      case "wiki.page.update": return m.agent + " updated the '" + m.page.name + "' wiki page" + on;
      case "wiki.page.delete": return m.agent + " deleted the '" + m.page.name + "' wiki page" + on;
      case "wiki.page.version.delete": return m.agent + " deleted a version of the '" + m.page.name + "' wiki page" + on;
      case "wiki.page.rename": return m.agent + " renamed the '" + m.old_name + "' wiki page to '" + m.page.name + "'" + on;
      case "git.receive":
        return m.commit.agent + " pushed some commits to the '" + m.commit.repo + "' fedorahosted git repository";
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    if (c.rest.startsWith("ticket.")) return base(m) + "ticket/" + m.ticket.id;
    if (c.rest === "wiki.page.new") return base(m) + "wiki/" + m.page.name;
    if (c.rest.startsWith("wiki.page.")) return base(m) + "wiki/" + m.page.name + "?action=diff&version=" + m.page.version;
    if (c.rest === "git.receive") {
      return "https://git.fedorahosted.org/cgit/" + m.commit.repo + ".git/commit/?id=" + m.commit.rev;
    }
    return null;
  },
  secondary_icon(c) {
    const u = c.msg.agent || (c.msg.commit && c.msg.commit.agent);
    return u ? avatar(u) : null;
  },
  usernames(c) {
    return [c.msg.agent || (c.msg.commit && c.msg.commit.agent)];
  },
  objects(c) {
    const m = c.msg;
    if (c.rest.startsWith("ticket.")) return [project(m) + "/ticket/" + m.ticket.id];
    if (c.rest.startsWith("wiki.page.")) return [project(m) + "/wiki/" + m.page.name];
    if (c.rest === "git.receive") {
      const files = m.commit.stats && m.commit.stats.files ? Object.keys(m.commit.stats.files) : [];
      return files.map((f) => m.commit.repo + "/git/" + f);
    }
    return [];
  },
};
