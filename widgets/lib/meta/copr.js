// Copr, the personal package repositories: builds, chroots and workers.

import { appIcon, avatar, series } from "./util.js";

const STATUS = { 0: "failed", 1: "success", 3: "running", 5: "skipped" };

// fields normalises copr's changing message format: "pkg" became a bare
// name with the version beside it, and "owner" was added next to "user".
function fields(m) {
  let pkg = m.pkg;
  if (pkg && m.version && String(pkg).indexOf(m.version) < 0) pkg = pkg + "-" + m.version;
  return { user: m.user, owner: "owner" in m ? m.owner : m.user, copr: m.copr, chroot: m.chroot, pkg };
}

// A copr's build and chroot messages fold into "ralph kicked off 5 rebuilds
// of the foo copr"; then what remains, by person.
function coprMerge(link, icon) {
  return (cs) => {
    const agents = Array.from(new Set(cs.map((c) => c.msg.user).filter(Boolean))).sort();
    const coprs = Array.from(new Set(cs.map((c) => c.msg.copr))).sort();
    let count = cs.filter((c) => c.rest === "build.start").length;
    const noun = coprs.length > 1 ? "coprs" : "copr";
    let subtitle;
    if (count > 0) {
      subtitle = series(agents) + " kicked off " + count + (count > 1 ? " rebuilds" : " rebuild") + " of the " + series(coprs) + " " + noun;
    } else {
      // Only finishes in the group: say so.
      count = cs.length;
      subtitle = "The " + series(coprs) + " " + noun + " finished " + count + (count > 1 ? " rebuilds" : " rebuild") + " by " + series(agents);
    }
    return { subtitle, secondary_icon: icon(cs, agents), link: link(cs) };
  };
}
const CONGLOMERATORS = [
  {
    handles: (c) => c.msg.copr !== undefined,
    matches: (a, b) => a.msg.copr === b.msg.copr,
    merge: coprMerge(
      (cs) => "https://copr.fedoraproject.org/coprs/" + ("owner" in cs[0].msg ? cs[0].msg.owner : cs[0].msg.user) + "/" + cs[0].msg.copr + "/",
      (cs, agents) => (agents.length === 1 ? avatar(agents[0]) : appIcon("copr.png")),
    ),
  },
  {
    handles: (c) => c.msg.user !== undefined,
    matches: (a, b) => a.msg.user === b.msg.user,
    merge: coprMerge((cs) => "https://copr.fedoraproject.org/coprs/" + cs[0].msg.user, (cs) => avatar(cs[0].msg.user)),
  },
];

export default {
  names: ["copr"],
  conglomerators: CONGLOMERATORS,
  icon: appIcon("copr.png"),
  subtitle(c) {
    const m = c.msg;
    const f = fields(m);
    const status = STATUS[m.status] || "unknown";
    switch (c.rest) {
      case "build.start":
        return f.user ? f.user + " started a new build of the " + f.copr + " copr" : "Automated build of the " + f.copr + " copr has been started";
      case "build.end":
        return (f.user ? f.user + "'s " + f.copr : "Automated " + f.copr) + " copr build of " + f.pkg + " for " + f.chroot +
          " finished with '" + status + "'";
      case "chroot.start": return f.user + "'s " + f.copr + " copr started a new " + f.chroot + " chroot";
      case "worker.create": return "a new worker was created";
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    let owner = "owner" in m ? m.owner : m.user;
    // Group coprs live under /g/<group>.
    if (typeof owner === "string" && owner.startsWith("@")) owner = "g/" + owner.slice(1);
    if (c.rest.indexOf("chroot") >= 0) {
      return "https://copr-be.cloud.fedoraproject.org/results/" + owner + "/" + m.copr + "/" + m.chroot + "/";
    }
    if (c.rest.indexOf("build") >= 0) return "https://copr.fedoraproject.org/coprs/" + owner + "/" + m.copr + "/build/" + m.build + "/";
    return "https://copr.fedoraproject.org";
  },
  secondary_icon(c) {
    return "user" in c.msg ? avatar(c.msg.user) : null;
  },
  usernames(c) {
    const out = [c.msg.user];
    // A group owner ("@python") is not a person.
    if (typeof c.msg.owner === "string" && !c.msg.owner.startsWith("@")) out.push(c.msg.owner);
    return out;
  },
  objects(c) {
    const m = c.msg;
    const items = ["coprs"];
    if ("copr" in m) items.push(m.copr);
    items.push(c.parts.slice(-2).join("."));
    if (c.rest.indexOf("chroot") >= 0) items.push(m.chroot);
    return [items.join("/")];
  },
};
