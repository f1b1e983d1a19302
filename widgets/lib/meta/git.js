// Fedora dist-git: pushes, new branches, lookaside uploads and the branching
// runs of release engineering.

import { appIcon, avatar, emailAvatar } from "./util.js";

const SRC = "https://src.fedoraproject.org";

// Legacy topics carried the repo and branch in the topic itself:
// git.receive.<repo>.<branch>.
function topicRepo(c) {
  return c.parts.slice(5, -1).join(".");
}
function receiveRepo(c) {
  return c.msg.commit.repo || topicRepo(c);
}

export default {
  names: ["git"],
  icon: appIcon("git-logo.png"),
  subtitle(c) {
    const m = c.msg;
    const r = c.rest;
    if (r.startsWith("receive")) {
      const cm = m.commit;
      let summary = cm.summary;
      if (String(cm.summary).trim() !== String(cm.message).trim()) summary += " (..more)";
      return (cm.username || cm.email) + " pushed to " + receiveRepo(c) + " (" + cm.branch + ').  "' + summary + '"';
    }
    if (r.startsWith("branch")) {
      let repo = m.name !== undefined ? m.name : topicRepo(c);
      const branch = m.branch !== undefined ? m.branch : c.last;
      if (m.namespace) repo = m.namespace + "/" + repo;
      return m.agent + " created branch '" + branch + "' for the '" + repo + "' package";
    }
    if (r.startsWith("lookaside")) return m.agent + " uploaded " + m.filename + " for " + m.name;
    const agent = m.agent || "(somebody)";
    if (r === "mass_branch.start") return agent + " started a mass branch";
    if (r === "mass_branch.complete") return "mass branch started by " + agent + " completed";
    if (r === "pkgdb2branch.start") return agent + " started a run of pkgdb2branch";
    if (r === "pkgdb2branch.complete") {
      const errors = (m.unbranchedPackages || []).length;
      const tail = errors === 0 ? "" : errors === 1 ? " with 1 error" : " with " + errors + " errors";
      return "run of pkgdb2branch started by " + agent + " completed" + tail;
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    const r = c.rest;
    if (r.startsWith("receive")) {
      const cm = m.commit;
      return SRC + "/" + (cm.namespace || "rpms") + "/" + receiveRepo(c) + "/c/" + cm.rev + "?branch=" + cm.branch;
    }
    if (r.startsWith("branch")) {
      const repo = m.name !== undefined ? m.name : topicRepo(c);
      const branch = m.branch !== undefined ? m.branch : c.last;
      return SRC + "/" + (m.namespace || "rpms") + "/" + repo + "/commits/" + branch;
    }
    if (r.startsWith("lookaside")) {
      const path = m.path || m.name + "/" + m.filename + "/" + m.md5sum + "/" + m.filename;
      return SRC + "/lookaside/pkgs/" + path;
    }
    return null;
  },
  secondary_icon(c) {
    const m = c.msg;
    if (c.rest.startsWith("receive")) return m.commit.username ? avatar(m.commit.username) : emailAvatar(m.commit.email);
    return m.agent ? avatar(m.agent) : null;
  },
  usernames(c) {
    const m = c.msg;
    if (m.agent) return [m.agent];
    if (m.commit && m.commit.username) return [m.commit.username];
    return [];
  },
  packages(c) {
    const m = c.msg;
    const r = c.rest;
    // Only rpms repositories are packages (not modules, containers, tests).
    if ("namespace" in m && m.namespace !== "rpms" && m.namespace !== "rpms-checks") return [];
    if (m.commit && "namespace" in m.commit && m.commit.namespace !== "rpms" && m.commit.namespace !== "rpms-checks") return [];
    if (r.startsWith("receive")) return [receiveRepo(c)];
    if (r.startsWith("branch")) return [m.name !== undefined ? m.name : topicRepo(c)];
    if (r === "pkgdb2branch.complete") return (m.unbranchedPackages || []).concat(m.branchedPackages || []);
    if (r.startsWith("lookaside")) return [m.name];
    return [];
  },
  objects(c) {
    const m = c.msg;
    const r = c.rest;
    if (r.startsWith("receive")) {
      const repo = receiveRepo(c);
      const files = m.commit.stats && m.commit.stats.files ? Object.keys(m.commit.stats.files) : [];
      return files.map((f) => repo + "/" + f);
    }
    if (r.startsWith("branch")) return [(m.name !== undefined ? m.name : topicRepo(c)) + "/__git__"];
    if (r === "pkgdb2branch.complete") {
      return (m.unbranchedPackages || []).concat(m.branchedPackages || []).map((p) => p + "/__git__");
    }
    if (r.startsWith("lookaside")) return [m.name + "/" + m.filename];
    return [];
  },
};
