// Ansible runs by Fedora Infrastructure: playbook starts and completions.

import { appIcon, avatar, series } from "./util.js";

const FS_PREFIX = "/srv/web/infra/ansible/";

// playbook says whether a playbook ran from the checked-in repository
// (controlled) and gives its path relative to it, or just its file name.
function playbook(m) {
  const p = String(m.playbook);
  if (p.startsWith(FS_PREFIX)) return { controlled: true, path: p.slice(FS_PREFIX.length) };
  return { controlled: false, path: p.split("/").pop() };
}

// One person's ansible runs fold into "ralph ran the x.yml playbook 3 times".
const CONGLOMERATORS = [
  {
    handles: (c) => c.rest.startsWith("playbook."),
    matches: (a, b) => a.msg.userid === b.msg.userid,
    merge(cs) {
      const agent = cs[0].msg.userid;
      const books = Array.from(new Set(cs.map((c) => String(c.msg.playbook).split("/").pop()))).sort();
      let n = cs.filter((c) => c.rest === "playbook.start").length;
      if (!n) n = cs.length;
      return {
        subtitle: agent + " ran the " + series(books) + (books.length > 1 ? " playbooks " : " playbook ") + n +
          (n > 1 ? " times" : " time"),
        secondary_icon: avatar(agent),
        link: "http://infrastructure.fedoraproject.org/infra/ansible.git/",
      };
    },
  },
];

export default {
  names: ["ansible"],
  conglomerators: CONGLOMERATORS,
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
    const hosts = Object.keys(c.msg.results || {});
    for (let i = 0; i < hosts.length; i++) out.push("inventory/" + hosts[i]);
    return out;
  },
};
