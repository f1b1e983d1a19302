// Red Hat Bugzilla: Fedora bugs filed, commented on and changed. People
// appear by e-mail; those the account table knows become Fedora usernames.

import { appIcon, account, avatar, emailAvatar } from "./util.js";

// Components that hold no package: reviews of packages that do not exist yet.
const NOT_PACKAGES = new Set(["Package Review"]);

function nameOf(v) {
  return v && typeof v === "object" ? v.name : v;
}

function person(email) {
  const user = account(email);
  return { user, fas: typeof user === "string" && user.indexOf("@") < 0 };
}

function actor(m) {
  if (m.comment) return person(m.comment.author);
  if (m.event && m.event.who) return person(m.event.who);
  return person(m.bug.creator);
}

// quoteJoin lists field names as 'a', 'b', and 'c'.
function quoteJoin(fields) {
  if (!fields.length) return "nothing";
  const q = fields.map((f) => "'" + f + "'");
  if (q.length === 1) return q[0];
  if (q.length === 2) return q.join(" and ");
  return q.slice(0, -1).join(", ") + ", and " + q[q.length - 1];
}

export default {
  names: ["bugzilla"],
  icon: appIcon("bugzilla.png"),
  subtitle(c) {
    const m = c.msg;
    const { user } = actor(m);
    const bug = m.bug || {};
    let title = String(bug.summary);
    if (title.length > 40) title = title.slice(0, 40) + "...";
    const ref = "RHBZ#" + bug.id + " '" + title + "'";
    if (c.rest === "bug.update") {
      if (m.comment) return user + " commented on " + ref;
      if (m.event) {
        const changes = m.event.changes || [];
        if (!changes.length) return user + " updated nothing? (likely bugzilla sent us a buggy message) on " + ref;
        return user + " updated " + quoteJoin(changes.map((d) => d.field_name || d.field)) + " on " + ref;
      }
      return user + " updated " + ref;
    }
    if (c.rest === "bug.new") return user + " filed a new bug " + ref;
    return "";
  },
  link(c) {
    const bug = c.msg.bug;
    return bug.weburl || "https://bugzilla.redhat.com/show_bug.cgi?id=" + bug.id;
  },
  secondary_icon(c) {
    const { user, fas } = actor(c.msg);
    return fas ? avatar(user) : emailAvatar(user);
  },
  usernames(c) {
    const m = c.msg;
    const bug = m.bug;
    const emails = [];
    if (m.comment && m.comment.author) emails.push(m.comment.author);
    if (m.event && m.event.who) emails.push(m.event.who);
    emails.push(bug.creator, bug.assigned_to);
    const cc = bug.cc || [];
    for (let i = 0; i < cc.length; i++) emails.push(cc[i]);
    const out = [];
    for (let i = 0; i < emails.length; i++) {
      const e = emails[i];
      // Mailing lists in CC are not people.
      if (typeof e !== "string" || !e || e.endsWith("lists.fedoraproject.org")) continue;
      const p = person(e);
      if (p.fas) out.push(p.user);
    }
    return out;
  },
  packages(c) {
    const comp = nameOf(c.msg.bug.component);
    return NOT_PACKAGES.has(comp) ? [] : [comp];
  },
  objects(c) {
    const b = c.msg.bug;
    // Newer messages give the product and component as {name} objects.
    return [nameOf(b.product) + "/" + nameOf(b.component) + "/" + b.id];
  },
};
