// Ansible runs by Fedora Infrastructure: playbook starts and completions.

import { appIcon, avatar } from "./util.js";

const FS_PREFIX = "/srv/web/infra/ansible/";

// playbook says whether a playbook ran from the checked-in repository
// (controlled) and gives its path relative to it, or just its file name.
function playbook(m) {
  const p = String(m.playbook);
  if (p.startsWith(FS_PREFIX)) return { controlled: true, path: p.slice(FS_PREFIX.length) };
  return { controlled: false, path: p.split("/").pop() };
}

export default {
  names: ["ansible"],
  icon: appIcon("ansible.png"),
  subtitle(c) {
    const m = c.msg;
    const user = "userid" in m ? m.userid : "(no user specified)";
    const p = playbook(m).path;
    if (c.rest === "playbook.start") return user + " started an ansible run of " + p;
    if (c.rest === "playbook.complete") return user + "'s " + p + " playbook run completed";
    return "";
  },
  link(c) {
    const p = playbook(c.msg);
    return p.controlled ? "http://infrastructure.fedoraproject.org/cgit/ansible.git/tree/" + p.path : null;
  },
  secondary_icon(c) {
    return c.msg.userid ? avatar(c.msg.userid) : null;
  },
  usernames(c) {
    return [c.msg.userid];
  },
  objects(c) {
    const p = playbook(c.msg);
    const out = [p.controlled ? p.path : "uncontrolled-playbooks/" + p.path];
    for (const host of Object.keys(c.msg.results || {})) out.push("inventory/" + host);
    return out;
  },
};
