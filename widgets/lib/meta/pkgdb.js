// PkgDB, the package database of Fedora before dist-git took its job:
// package ACLs, owners, branches, retirements and requests.

import { PACKAGE_ICON, avatar, series } from "./util.js";

const LINK = "https://admin.fedoraproject.org/pkgdb/package/";

// Legacy messages carry the agent as a one-element list.
function agentOf(m) {
  return Array.isArray(m.agent) ? m.agent[0] : m.agent;
}
function ns(o) {
  return (o && o.namespace) || "rpms";
}
function listing(m) {
  return m.package_listing;
}
function lpkg(m) {
  return m.package_listing.package;
}
function lbranch(m) {
  return m.package_listing.collection.branchname;
}

// pkgOf finds the package a message is about: from its listing, or from
// "package" given as a name or as an object.
function pkgOf(m) {
  if (m.package_listing && m.package_listing.package) {
    return { ns: ns(m.package_listing.package), name: m.package_listing.package.name };
  }
  const p = m.package;
  if (p && typeof p === "object") return { ns: p.namespace || m.namespace || "rpms", name: p.name };
  return { ns: m.namespace || "rpms", name: p };
}
function actionPkg(a) {
  if (a.info && a.info.pkg_name) return { ns: a.info.namespace || "rpms", name: a.info.pkg_name };
  return { ns: ns(a.package), name: a.package.name };
}

const STATUS_VERBS = [
  ["Orphaned", "unorphaned", "orphaned"],
  ["Retired", "unretired", "retired"],
];

function subtitle(c) {
  const m = c.msg;
  const agent = agentOf(m);
  const t = c.rest;
  switch (t) {
    case "acl.update": {
      const p = lpkg(m);
      return agent + " changed " + m.username + "'s '" + m.acl + "' permission on " + ns(p) + "/" + p.name +
        " (" + lbranch(m) + ") to '" + m.status + "'";
    }
    case "branch.clone":
      return agent + " branched " + (m.namespace || "rpms") + "/" + m.package + " " + m.branch + " from " + m.master;
    case "package.update.status": {
      let verb = "made some updates to";
      for (let i = 0; i < STATUS_VERBS.length; i++) {
        const key = STATUS_VERBS[i][0], left = STATUS_VERBS[i][1], right = STATUS_VERBS[i][2];
        if (m.prev_status === key && m.status !== key) verb = left;
        else if (m.prev_status !== key && m.status === key) verb = right;
      }
      const p = pkgOf(m);
      const extra = m.package_listing ? " in " + lbranch(m) : "";
      return agent + " " + verb + " " + p.ns + "/" + p.name + extra;
    }
    case "package.update": {
      const p = pkgOf(m);
      if (Array.isArray(m.fields)) return agent + " updated: " + m.fields.join(", ") + " of " + p.ns + "/" + p.name;
      return agent + " made some updates to " + p.ns + "/" + p.name;
    }
    case "critpath.update": return agent + " altered the critpath status for some packages";
    case "package.new": {
      const p = lpkg(m);
      return agent + " added a new package '" + ns(p) + "/" + p.name + "' (" + lbranch(m) + ")";
    }
    case "acl.request.toggle": {
      const p = lpkg(m);
      return agent + " has " + m.acl_action + " '" + m.acl + "' on " + ns(p) + "/" + p.name + " (" + lbranch(m) + ")";
    }
    case "package.retire": {
      const p = lpkg(m);
      return agent + " " + m.retirement + " " + ns(p) + "/" + p.name + " (" + lbranch(m) + ")!";
    }
    case "owner.update": {
      const l = listing(m);
      const owner = "point_of_contact" in l ? l.point_of_contact : l.owner;
      return agent + " changed owner of " + ns(l.package) + "/" + l.package.name + " (" + lbranch(m) + ") to '" + owner + "'";
    }
    case "acl.user.remove": {
      const ls = m.package_listings;
      const branches = ls.map((l) => l.collection.branchname).join(", ");
      return agent + " removed " + m.username + " from " + ns(ls[0].package) + "/" + ls[0].package.name + " (" + branches + ")";
    }
    case "branch.start":
      return agent + " started a branch of " + m.collection_to.branchname + " from " + m.collection_from.branchname;
    case "branch.complete":
      return agent + "'s branch of " + m.collection_to.branchname + " from " + m.collection_from.branchname + " completed";
    case "collection.new":
      return agent + " created a new collection for " + m.collection.name + " " + m.collection.version;
    case "collection.update":
      return agent + " updated the following fields of the " + m.collection.name + " " + m.collection.version +
        " collection: " + m.fields.join(", ");
    case "package.delete":
      return agent + " deleted the '" + ns(m.package) + "/" + m.package.name + "' package from the pkgdb";
    case "package.branch.delete": {
      const p = lpkg(m);
      return agent + " deleted the " + lbranch(m) + " branch of the '" + ns(p) + "/" + p.name + "' package";
    }
    case "package.branch.new":
      return agent + " created the branch '" + lbranch(m) + "' for the package '" + ns(m.package) + "/" + m.package.name + "'";
    case "acl.delete": {
      const a = m.acl;
      return m.agent + " deleted " + a.fas_name + "'s " + a.acl + " rights from " + ns(a.packagelist.package) + "/" +
        a.packagelist.package.name + " (" + a.packagelist.collection.branchname + ")";
    }
    case "package.branch.request":
      return m.agent + " requested branch " + m.collection_to.branchname + " for package " + ns(m.package) + "/" + m.package.name;
    case "package.new.request":
      return m.agent + " requested package " + (m.info.namespace || "rpms") + "/" + m.info.pkg_name + " on branch " +
        m.collection.branchname;
    case "admin.action.status.update": {
      const a = m.action;
      const p = actionPkg(a);
      const kind = { "request.package": "package request", "request.branch": "branch request" }[a.action] || a.action;
      let s = m.agent + " changed " + a.user + "'s " + kind + " for " + p.ns + "/" + p.name + " in " +
        a.collection.branchname + " from " + m.old_status + " to " + m.new_status;
      if (a.message) s += " with message: " + a.message;
      return s;
    }
    case "package.critpath.update":
      return m.agent + " " + (m.critpath ? "set" : "unset") + " the critpath flag on the " + ns(m.package) + "/" +
        m.package.name + " package (" + m.branches.join(", ") + ")";
    case "package.monitor.update":
      return m.agent + " set the monitor flag of " + ns(m.package) + "/" + m.package.name + " to " + pyStr(m.status);
    case "package.unretire.request":
      return m.agent + " asks that " + ns(m.package) + "/" + m.package.name + " be unretired on " + m.collection.branchname;
    case "package.koschei.update":
      return m.agent + " set the koschei monitoring flag of " + ns(m.package) + "/" + m.package.name + " to " + pyStr(m.status);
  }
  return "";
}

// pyStr prints booleans the way the original (Python) sentences did.
function pyStr(v) {
  if (v === true) return "True";
  if (v === false) return "False";
  return String(v);
}

function link(c) {
  const m = c.msg;
  const t = c.rest;
  if (t === "package.new.request") return LINK + (m.info.namespace || "rpms") + "/" + m.info.pkg_name + "/";
  if (t === "admin.action.status.update") {
    const p = actionPkg(m.action);
    return LINK + p.ns + "/" + p.name + "/";
  }
  if (t === "acl.update" || t === "acl.request.toggle" || t === "owner.update" || t === "package.retire" ||
      t === "package.new" || t === "package.branch.new") {
    const p = lpkg(m);
    return LINK + ns(p) + "/" + p.name + "/";
  }
  if (t === "acl.user.remove") {
    const p = m.package_listings[0].package;
    return LINK + ns(p) + "/" + p.name + "/";
  }
  if (t.startsWith("package.update") || t === "branch.clone" || t === "package.branch.request") {
    const p = pkgOf(m);
    return LINK + p.ns + "/" + p.name + "/";
  }
  return "";
}

function objects(c) {
  const m = c.msg;
  const t = c.rest;
  switch (t) {
    case "acl.update": return [lpkg(m).name + "/acls/" + lbranch(m) + "/" + m.acl + "/" + m.username];
    case "package.new": return [lpkg(m).name + "/create"];
    case "acl.request.toggle": return [lpkg(m).name + "/acls/" + lbranch(m) + "/" + m.acl + "/" + m.agent];
    case "package.retire": return [lpkg(m).name + "/retire"];
    case "acl.user.remove": return [m.package_listings[0].package.name + "/remove/" + m.username];
    case "owner.update": return [lpkg(m).name + "/owner/" + lbranch(m)];
    case "package.update":
    case "package.update.status": return [pkgOf(m).name + "/update"];
    case "branch.clone": return [m.package + "/branch"];
    case "package.delete": return [m.package.name + "/package/delete"];
    case "package.branch.delete": return [lpkg(m).name + "/" + lbranch(m) + "/delete"];
    case "package.branch.new": return [m.package.name + "/" + lbranch(m) + "/new"];
    case "acl.delete": {
      const a = m.acl;
      return [a.packagelist.package.name + "/acls/" + a.packagelist.collection.branchname + "/" + a.acl + "/" + a.fas_name];
    }
    case "package.branch.request":
      return [m.package.name + "/branch/request/" + m.collection_to.branchname + "/" + m.agent];
    case "package.new.request":
      return ["new/package/request/" + m.info.pkg_name + "/" + m.collection.branchname + "/" + m.agent];
    case "admin.action.status.update":
      return ["action/" + m.action.id + "/status/" + actionPkg(m.action).name + "/" + m.action.collection.branchname + "/" + m.agent];
    case "package.critpath.update": return [m.package.name + "/critpath"];
    case "package.monitor.update": return [m.package.name + "/monitor/" + String(m.status).toLowerCase()];
    case "package.koschei.update": return [m.package.name + "/koschei/" + String(m.status).toLowerCase()];
    case "package.unretire.request": return [m.package.name + "/unretire/" + m.collection.branchname];
  }
  return [];
}

// Every namespace counts (rpms, but also docker and modules): a container
// named like a package is watched by the same people.
function addIfRpm(out, p) {
  if (p && typeof p === "object" && p.name) out.push(p.name);
}

// ACL changes fold by the person whose rights changed, then by package,
// then by who changed them.
function aclMerge(link, icon) {
  return (cs, t) => {
    const m = cs.map((c) => c.msg);
    return {
      subtitle: series(m.map((x) => agentOf(x))) + " changed " + series(m.map((x) => x.username + "'s")) + " " +
        series(m.map((x) => x.acl)) + " permissions on " + series(m.map((x) => x.package_name || lpkg(x).name)) + " (" +
        series(m.map((x) => lbranch(x)).sort()) + ") to " + series(m.map((x) => x.status)) + ".",
      secondary_icon: icon(m[0], t),
      link: link(m[0]),
    };
  };
}
const isAcl = (c) => c.rest === "acl.update";
const CONGLOMERATORS = [
  {
    handles: isAcl,
    matches: (a, b) => a.msg.username === b.msg.username,
    merge: aclMerge((m) => "https://admin.fedoraproject.org/pkgdb/packager/" + m.username + "/", (m) => avatar(m.username)),
  },
  {
    handles: isAcl,
    matches: (a, b) => (a.msg.package_name || lpkg(a.msg).name) === (b.msg.package_name || lpkg(b.msg).name),
    merge: aclMerge((m) => LINK + (m.package_name || lpkg(m).name) + "/", (m, t) => t.icon),
  },
  {
    handles: isAcl,
    matches: (a, b) => agentOf(a.msg) === agentOf(b.msg),
    merge: aclMerge((m) => "https://admin.fedoraproject.org/pkgdb/packager/" + agentOf(m) + "/", (m) => avatar(agentOf(m))),
  },
];

export default {
  names: ["pkgdb"],
  conglomerators: CONGLOMERATORS,
  icon: PACKAGE_ICON,
  subtitle,
  link,
  objects,
  secondary_icon(c) {
    const user = c.msg.username || agentOf(c.msg);
    return user ? avatar(user) : "";
  },
  usernames(c) {
    const m = c.msg;
    const out = [agentOf(m), m.username];
    if (m.acl && typeof m.acl === "object") out.push(m.acl.fas_name);
    return out.filter((u) => u !== "orphan");
  },
  packages(c) {
    const m = c.msg;
    const out = [];
    if (m.package_listing) addIfRpm(out, m.package_listing.package);
    if (Array.isArray(m.package_listings)) for (let i = 0; i < m.package_listings.length; i++) addIfRpm(out, m.package_listings[i].package);
    if (typeof m.package === "string") {
      out.push(m.package);
    } else {
      addIfRpm(out, m.package);
    }
    if (m.acl && typeof m.acl === "object" && m.acl.packagelist) addIfRpm(out, m.acl.packagelist.package);
    if (m.info && m.info.pkg_name) out.push(m.info.pkg_name);
    if (m.action) {
      if (m.action.info && m.action.info.pkg_name) out.push(m.action.info.pkg_name);
      addIfRpm(out, m.action.package);
    }
    return out;
  },
};
