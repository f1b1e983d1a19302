// Fedora Infrastructure's own git repositories (ansible, puppet, ...).

import { appIcon, avatar } from "./util.js";

function repo(m) {
  return String(m.commit.path).split("/").pop();
}

// Repositories with no public web view.
const PRIVATE = new Set(["puppet"]);

export default {
  names: ["infragit"],
  icon: appIcon("git-logo.png"),
  subtitle(c) {
    const cm = c.msg.commit;
    let summary = cm.summary;
    if (String(cm.summary).trim() !== String(cm.message).trim()) summary += " (..more)";
    return cm.username + " pushed a commit to the fedora-infra " + repo(c.msg) + " repo (" + cm.branch + '):  "' + summary + '"';
  },
  link(c) {
    const r = repo(c.msg);
    if (PRIVATE.has(r)) return "";
    const cm = c.msg.commit;
    return "https://infrastructure.fedoraproject.org/cgit/" + r + ".git/commit/?h=" + cm.branch + "&id=" + cm.rev;
  },
  secondary_icon(c) {
    return avatar(c.msg.commit.username);
  },
  usernames(c) {
    return [c.msg.commit.username];
  },
  objects(c) {
    const r = repo(c.msg);
    return Object.keys((c.msg.commit.stats || {}).files || {}).map((f) => r + "/" + f);
  },
};
