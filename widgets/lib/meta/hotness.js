// the-new-hotness: files bugs for new upstream releases (seen by anitya),
// follows them up with scratch builds, and maps packages to upstream projects.
// Each message carries the message that triggered it ("trigger").

import { PACKAGE_ICON, packageIcon } from "./util.js";

const TASK_STATUS = {
  FAILED: "failed", FREE: "submitted", ASSIGNED: "assigned", CANCELED: "cancelled", CANCELLED: "cancelled",
  CLOSED: "completed", OPEN: "started",
};
// Koji build states by number: BUILDING, COMPLETE, DELETED, FAILED, CANCELED.
const BUILD_STATUS = ["started", "completed", "deleted", "failed", "cancelled"];
const DROP = {
  anitya: "release-monitoring.org doesn't know what that project is called in Fedora land",
  bugzilla: "a bugzilla ticket had already been filed",
  pkgdb: "pkgdb says the maintainers are not interested in bugs being filed",
  rawhide: "no rawhide version of the package could be found yet",
};

function trigger(m) {
  return m.trigger || {};
}
function original(m) {
  return trigger(m).msg || {};
}
function triggerTopic(m) {
  return String(trigger(m).topic || "");
}
function fedora(list) {
  return Array.isArray(list) ? list.filter((p) => p.distro === "Fedora").map((p) => p.package_name) : [];
}

function packages(c) {
  const m = c.msg;
  const o = original(m);
  if (triggerTopic(m).indexOf("anitya") >= 0) {
    const list = (o.message && o.message.packages) || o.packages;
    if (list && list.length) return fedora(list);
  }
  if (o.package_listing) return [o.package_listing.package.name];
  if (triggerTopic(m).indexOf("buildsys.build") >= 0) return [o.name];
  if (o.package && typeof o.package === "object") return [o.package.name];
  return [];
}

export default {
  names: ["hotness"],
  icon: PACKAGE_ICON,
  packages,
  subtitle(c) {
    const m = c.msg;
    const o = original(m);
    const t = c.rest;
    if (t === "update.bug.file") {
      const pk = triggerTopic(m).endsWith(".project.map.new") ? [o.message.new] : fedora(o.message.packages);
      return "the-new-hotness filed a bug on " + pk.join(", ");
    }
    if (t === "update.bug.followup") {
      const bug = m.bug.bug_id;
      if ("srpm" in o) return "scratch build of " + o.srpm + " for RHBZ#" + bug + " " + (TASK_STATUS[o.new] || "unknown");
      return o.owner + "'s real build of " + [o.name, o.version, o.release].join("-") + " for RHBZ#" + bug + " " +
        (BUILD_STATUS[o.new] || "unknown");
    }
    if (t === "update.drop") {
      const pk = packages(c);
      const thing = pk.length ? pk[0] : o.project.name;
      return "the-new-hotness saw an update for " + thing + ", but " + (DROP[m.reason] || ".... I dunno.  Whatever.");
    }
    if (t === "project.map") {
      const pkg = o.package_listing ? o.package_listing.package.name : o.package.name;
      if ("reason" in m) return "hotness tried to map " + pkg + ' to an upstream project, but failed:  "' + m.reason + '"';
      if ("total" in m) {
        return "hotness tried to map " + pkg + " to an upstream project, but failed due to ambiguity.  " + m.total +
          " other projects share the same homepage";
      }
      if (m.project) {
        return m.success
          ? "hotness mapped " + pkg + " to the pre-existing upstream project " + m.project.name
          : "hotness tried to map " + pkg + " to the pre-existing upstream project " + m.project.name +
            ", but failed for unknown reasons";
      }
      return m.success
        ? "hotness mapped " + pkg + " to a brand-new upstream project"
        : "hotness tried to map " + pkg + " to a brand-new upstream project, but failed for unknown reasons";
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    if (m.bug) {
      const host = c.envName === "stg" ? "partner-bugzilla.redhat.com" : "bugzilla.redhat.com";
      return "https://" + host + "/show_bug.cgi?id=" + m.bug.bug_id;
    }
    if (m.trigger) {
      const o = original(m);
      if (o.project) return "https://release-monitoring.org/project/" + o.project.id + "/";
      if (m.project) return "https://release-monitoring.org/project/" + m.project.id + "/";
      if (o.package_listing) return o.package_listing.package.review_url;
      if (o.package) return o.package.upstream_url;
    }
    return null;
  },
  secondary_icon(c) {
    const pk = packages(c);
    return pk.length ? packageIcon(pk[0]) : PACKAGE_ICON;
  },
  usernames(c) {
    const m = c.msg;
    return triggerTopic(m).indexOf("buildsys.build") >= 0 ? [original(m).owner] : [];
  },
  objects(c) {
    const m = c.msg;
    const o = original(m);
    const bugs = m.bug ? ["bugs/" + m.bug.bug_id] : [];
    if (triggerTopic(m).indexOf("anitya") >= 0) {
      return fedora(o.message.packages).map((p) => "packages/" + p).concat(["projects/" + o.project.name], bugs);
    }
    if (o.package_listing) {
      const out = ["packages/" + o.package_listing.package.name];
      if (m.project) out.push("projects/" + m.project.name);
      return out;
    }
    if (o.package && typeof o.package === "object") return ["packages/" + o.package.name];
    return bugs;
  },
};
