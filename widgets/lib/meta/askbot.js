// Askbot, the "Ask Fedora" forum: questions, answers, tags and flags.

import { appIcon, avatar } from "./util.js";

function postType(m) {
  return (m.post || m.instance || {}).post_type;
}

export default {
  names: ["askbot"],
  icon: appIcon("ask_fedora.png"),
  subtitle(c) {
    const m = c.msg;
    const u = m.agent;
    const title = m.thread ? m.thread.title : "";
    const q = postType(m) === "question";
    switch (c.rest) {
      case "post.edit":
        if (m.created) return q ? u + " asked the question '" + title + "'" : u + " suggested an answer to the question '" + title + "'";
        return q ? u + " updated the question '" + title + "'" : u + " updated an answer to the question '" + title + "'";
      case "tag.update": return u + " altered tags on askbot question '" + title + "'";
      case "post.flag_offensive.add": return u + (q ? " flagged a question as offensive!" : " flagged an answer as offensive!");
      case "post.flag_offensive.delete":
        return u + (q ? " unflagged a question as offensive..." : " unflagged an answer as offensive...");
      case "post.delete": return q ? u + " deleted the question '" + title + "'" : u + " deleted an answer on '" + title + "'";
    }
    return "";
  },
  link(c) {
    const host = c.envName === "stg" ? "https://ask.stg.fedoraproject.org" : "https://ask.fedoraproject.org";
    return host + "/question/" + c.msg.topmost_post_id + "/";
  },
  secondary_icon(c) {
    return c.msg.agent ? avatar(c.msg.agent) : "";
  },
  usernames(c) {
    return [c.msg.agent].concat(c.msg.newly_mentioned_users || []);
  },
  objects(c) {
    const m = c.msg;
    const out = [];
    const tags = Array.isArray(m.tags) ? m.tags : m.thread ? m.thread.tagnames : [];
    const list = tags || [];
    for (let i = 0; i < list.length; i++) if (list[i]) out.push("tags/" + list[i]);
    if (m.thread) out.push("threads/" + m.thread.pk);
    return out;
  },
};
