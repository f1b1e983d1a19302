// Bodhi, the Fedora update system: updates (requests, comments, karma,
// pushes), buildroot overrides, stacks, the masher/composer, mirror syncs.

import { appIcon, avatar, nvrName, packageIcon, series } from "./util.js";

const ICON = appIcon("bodhi.png");
const BASE = "https://bodhi.fedoraproject.org";
const MENTION = /@(\w+)/g;

function nameOf(v) {
  return v && typeof v === "object" ? v.name : v;
}
function nvrOf(v) {
  return v && typeof v === "object" ? v.nvr : v;
}

// u2p turns an update title ("a-1.0-1.fc30,b-2-1.fc30" or space-separated)
// into package names by dropping each build's version and release.
// short cuts an update title for a sentence, as Bodhi's own messages did:
// from 40 characters on, the first 40 and an ellipsis.
function short(title) {
  const s = title === null || title === undefined ? "" : String(title);
  return s.length >= 40 ? s.slice(0, 40) + "..." : s;
}

// owner is who filed the update: "submitter" in bodhi 1, "user" in bodhi 2.
function owner(u) {
  if (!u || typeof u !== "object") return undefined;
  return nameOf(u.submitter) || nameOf(u.user);
}

function u2p(title) {
  const out = [];
  const s = String(title || "");
  let start = 0;
  while (start <= s.length) {
    // The next separator, a space or a comma (indexOf beats a char loop in goja).
    let sp = s.indexOf(" ", start);
    let cm = s.indexOf(",", start);
    if (sp < 0) sp = s.length;
    if (cm < 0) cm = s.length;
    const end = sp < cm ? sp : cm;
    if (end > start) out.push(nvrName(s.slice(start, end)));
    start = end + 1;
  }
  return out;
}

function isSync(c) {
  return c.rest.startsWith("updates.") && c.rest.endsWith(".sync");
}
function syncProduct(c) {
  const p = c.parts[c.parts.length - 2];
  return p === "fedora" ? "Fedora" : p === "epel" ? "EPEL" : p;
}
// Modular repos sync as release "30m".
function syncRelease(c) {
  const r = String(c.msg.release || "");
  return r.endsWith("m") ? { release: r.slice(0, -1), modular: true } : { release: r, modular: false };
}

// updateTitle finds the update a message is about, whichever shape it has.
function updateTitle(m) {
  if (m.update && m.update.title) return m.update.title;
  if (m.comment) {
    if (m.comment.update_title) return m.comment.update_title;
    if (m.comment.update && m.comment.update.title) return m.comment.update.title;
  }
  return "";
}
function updateRef(m) {
  const u = m.update || (m.comment && m.comment.update) || {};
  return u.alias || updateTitle(m);
}

// updatePackages lists the packages of the update, override, stack or mash;
// packages() and objects() both need it, so it is kept on the context.
function updatePackages(c) {
  const memo = c.memo();
  if (memo.bodhiPackages === undefined) memo.bodhiPackages = computePackages(c);
  return memo.bodhiPackages;
}

function computePackages(c) {
  const m = c.msg;
  if (c.rest.startsWith("buildroot_override.")) return u2p(nvrOf(m.override.build));
  if (c.rest.startsWith("stack.")) return m.stack.packages.map((p) => p.name);
  if (c.rest === "masher.start" || c.rest === "composer.start") {
    const out = [];
    const updates = m.updates || [];
    for (let i = 0; i < updates.length; i++) {
      const p = u2p(updates[i]);
      for (let j = 0; j < p.length; j++) out.push(p[j]);
    }
    return out;
  }
  if (c.rest.startsWith("update.") || c.rest === "errata.publish") return u2p(updateTitle(m));
  return [];
}

const PAST = { unpush: "unpushed", obsolete: "obsoleted", revoke: "revoked" };

// Conglomerators, tried in this order: one person's requests for one package,
// any requests for one package, one person's requests; comments on one
// update, one person's comments; one person's overrides.
function firstPackage(c) {
  return u2p(c.msg.update.title)[0];
}
function releases(cs) {
  return series(cs.map((c) => c.msg.update.release.name).sort());
}
function requestKind(kind) {
  return (c) => c.rest === "update.request." + kind;
}
const anyRequest = (c) => c.rest === "update.request.testing" || c.rest === "update.request.stable";
function byUserAndPackage(kind, verb) {
  return {
    handles: requestKind(kind),
    matches: (a, b) => a.msg.agent === b.msg.agent && firstPackage(a) === firstPackage(b),
    merge(cs) {
      const agent = cs[0].msg.agent;
      const pkg = firstPackage(cs[0]);
      return {
        subtitle: agent + " " + verb + " " + cs.length + " " + pkg + " " + kind + " updates for " + releases(cs),
        secondary_icon: avatar(agent),
        link: BASE + "/updates/" + pkg,
      };
    },
  };
}
function commentAgent(c) {
  return c.msg.agent || c.msg.comment.author;
}
function overridesBy(kind, verb) {
  return {
    handles: (c) => c.rest === "buildroot_override." + kind,
    matches: (a, b) => nameOf(a.msg.override.submitter) === nameOf(b.msg.override.submitter),
    merge(cs, t) {
      const agent = nameOf(cs[0].msg.override.submitter);
      const dists = series(cs.map((c) => String(c.msg.override.nvr || nvrOf(c.msg.override.build)).split(".").pop()).sort());
      return {
        subtitle: agent + " " + verb + " " + cs.length + " overrides for " + series(t.packages) + " on " + dists,
        secondary_icon: avatar(agent),
        link: BASE + "/overrides/?user=" + agent,
      };
    },
  };
}
const CONGLOMERATORS = [
  byUserAndPackage("testing", "submitted"),
  byUserAndPackage("stable", "requested"),
  {
    handles: anyRequest,
    matches: (a, b) => firstPackage(a) === firstPackage(b),
    merge(cs, t) {
      const pkg = firstPackage(cs[0]);
      return {
        subtitle: series(t.usernames) + " submitted " + cs.length + " " + pkg + " updates for " + releases(cs),
        secondary_icon: t.icon,
        link: BASE + "/updates/" + pkg,
      };
    },
  },
  {
    handles: anyRequest,
    matches: (a, b) => a.msg.agent === b.msg.agent,
    merge(cs, t) {
      const agent = cs[0].msg.agent;
      return {
        subtitle: agent + " submitted " + series(t.packages) + " updates for " + releases(cs),
        secondary_icon: avatar(agent),
        link: BASE + "/users/" + agent,
      };
    },
  },
  {
    handles: (c) => c.rest === "update.comment",
    matches: (a, b) => updateTitle(a.msg) === updateTitle(b.msg),
    merge(cs, t) {
      const title = updateTitle(cs[0].msg);
      return { subtitle: series(t.usernames) + " commented on " + title, secondary_icon: t.icon, link: BASE + "/updates/" + title };
    },
  },
  {
    handles: (c) => c.rest === "update.comment",
    matches: (a, b) => commentAgent(a) === commentAgent(b),
    merge(cs) {
      const agent = commentAgent(cs[0]);
      return {
        subtitle: agent + " commented on " + series(cs.map((c) => updateTitle(c.msg)).sort()),
        secondary_icon: avatar(agent),
        link: BASE + "/users/" + agent,
      };
    },
  },
  overridesBy("tag", "submitted"),
  overridesBy("untag", "expired"),
];

export default {
  names: ["bodhi"],
  conglomerators: CONGLOMERATORS,
  icon: ICON,
  subtitle(c) {
    const m = c.msg;
    const r = c.rest;
    if (isSync(c)) {
      const { release, modular } = syncRelease(c);
      return "New " + syncProduct(c) + " " + release + " " + m.repo + (modular ? " modular" : "") +
        " content synced out (" + m.bytes + " changed with " + m.deleted + " files deleted)";
    }
    if (r === "masher.start" || r === "composer.start") {
      const n = Array.isArray(m.updates) ? String(m.updates.length) : "some";
      return m.agent + " requested a mash of " + n + " updates";
    }
    if (r === "update.comment") {
      const cm = m.comment;
      return cm.author + " commented on bodhi update " + short(updateTitle(m)) + " (karma: " + cm.karma + ")";
    }
    if (r.startsWith("update.complete.")) {
      return owner(m.update) + "'s " + short(m.update.title) +
        " bodhi update completed push to " + m.update.status;
    }
    if (r === "update.eject") {
      return owner(m.update) + "'s " + short(m.update.title) + " bodhi update was ejected from the " +
        m.repo + ' mash.  Reason: "' + m.reason + '"';
    }
    if (r === "update.edit") return m.agent + " edited " + short(m.update.title);
    if (r.startsWith("update.request.")) {
      const status = c.last;
      const title = short(m.update.title);
      if (PAST[status]) return m.agent + " " + PAST[status] + " " + title;
      return m.agent + " submitted " + title + " to " + status;
    }
    if (r === "mashtask.mashing") return "bodhi masher started mashing " + m.repo;
    if (r === "mashtask.start") return "bodhi masher started a push";
    if (r === "mashtask.complete") {
      return (m.success ? "bodhi masher successfully mashed " : "bodhi masher failed to mash ") + m.repo;
    }
    if (r === "mashtask.sync.wait") return "bodhi masher is waiting for " + m.repo + " to hit the master mirror";
    if (r === "mashtask.sync.done") return "bodhi masher finished waiting for " + m.repo + " to hit the master mirror";
    if (r === "compose.start") return "bodhi composer started a run";
    if (r === "compose.composing") return "bodhi " + m.ctype + " compose of repo " + m.repo + " started";
    if (r === "compose.complete") {
      return "bodhi " + m.ctype + " compose of repo " + m.repo + (m.success ? " succeeded" : " failed");
    }
    if (r === "compose.sync.wait") return "bodhi composer is waiting for " + m.repo + " to hit the master mirror";
    if (r === "compose.sync.done") return "bodhi composer finished waiting for " + m.repo + " to hit the master mirror";
    if (r === "buildroot_override.tag" || r === "buildroot_override.untag") {
      const verb = r.endsWith(".tag") ? " submitted" : " expired";
      return nameOf(m.override.submitter) + verb + " a buildroot override for " + nvrOf(m.override.build);
    }
    if (r === "stack.save") return m.agent + ' updated the "' + m.stack.name + '" stack';
    if (r === "stack.delete") return m.agent + ' deleted the "' + m.stack.name + '" stack';
    if (r === "update.karma.threshold") {
      return short(m.update.title) + " reached the " + m.status + " karma threshold";
    }
    if (r.startsWith("update.requirements_met.")) {
      return short(m.update.title) + " reached the " + c.last + " testing threshold";
    }
    if (r === "errata.publish") return m.subject;
    return "";
  },
  link(c) {
    const m = c.msg;
    const r = c.rest;
    if (r === "errata.publish") return BASE + "/updates/" + updateTitle(m);
    if (r.startsWith("update.")) return BASE + "/updates/" + updateRef(m);
    if (r.startsWith("stack.")) return BASE + "/stacks/" + m.stack.name;
    if (r.startsWith("buildroot_override.")) return BASE + "/overrides/" + nvrOf(m.override.build);
    if (isSync(c)) {
      const product = syncProduct(c).toLowerCase();
      const { release, modular } = syncRelease(c);
      let link = "https://download.fedoraproject.org/pub/" + product + "/";
      if (product === "fedora") link += m.repo === "atomic" ? "linux/atomic/" : "linux/updates/";
      if (String(m.repo).endsWith("testing")) link += "testing/";
      link += release + "/";
      // Since Fedora 28 the repos are split into Everything and Modular.
      if (product === "fedora" && modular) link += "Modular/";
      else if (product === "fedora" && Number(release) >= 28) link += "Everything/";
      return link;
    }
    if (r === "masher.start" || r === "composer.start" || r === "compose.complete") return BASE;
    return null;
  },
  secondary_icon(c) {
    const m = c.msg;
    let user;
    if (c.rest === "update.comment") user = m.comment.author;
    else if (c.rest.startsWith("buildroot_override.")) user = m.override.submitter;
    else if (c.rest.startsWith("stack.")) user = m.agent;
    else if (owner(m.update)) user = owner(m.update);
    else user = m.agent;
    user = nameOf(user);
    if (user) return avatar(user);
    if (m.update && m.update.title) {
      const p = u2p(m.update.title);
      if (p.length) return packageIcon(p[0]);
    }
    return ICON;
  },
  usernames(c) {
    const m = c.msg;
    const out = [];
    out.push(owner(m.update));
    if (m.override && m.override.submitter) out.push(nameOf(m.override.submitter));
    if (m.comment) {
      out.push(m.comment.author);
      const text = String(m.comment.text || "");
      if (text.indexOf("@") >= 0) {
        MENTION.lastIndex = 0;
        let hit;
        while ((hit = MENTION.exec(text)) !== null) out.push(hit[1]);
      }
    }
    if (typeof m.agent === "string") out.push(m.agent);
    return out;
  },
  packages(c) {
    return updatePackages(c);
  },
  objects(c) {
    const m = c.msg;
    const r = c.rest;
    if (isSync(c)) return [syncProduct(c).toLowerCase() + "/" + m.repo + "/" + syncRelease(c).release];
    if (r.startsWith("mashtask.") || r.startsWith("compose.")) return m.repo ? ["repos/" + m.repo] : [];
    const out = updatePackages(c).map((p) => "packages/" + p);
    if (r.startsWith("stack.")) out.push("stacks/" + m.stack.name);
    return out;
  },
};
