// Fedora Tagger: people tagging, rating and declaring use of packages.

import { appIcon, avatar, series } from "./util.js";

const ICON = appIcon("tagger.png");

// Old tagger messages gave the package as {name: [tags]}.
function pkgName(p) {
  if (p && typeof p === "object") return Object.keys(p)[0];
  return p;
}

function usernames(c) {
  const m = c.msg;
  let user = "anonymous";
  if (c.rest.startsWith("tag.")) user = m.vote.user.username;
  else if (c.rest === "user.rank.update" || c.rest === "usage.toggle") user = m.user.username;
  else if (c.rest === "rating.update") user = m.rating.user.username;
  return user === "anonymous" ? [] : [user];
}

function packages(c) {
  const m = c.msg;
  if (c.rest.startsWith("tag.")) return [pkgName(m.vote.tag.package)];
  if (c.rest === "rating.update") return [m.rating.package.name];
  if (c.rest === "usage.toggle") return [m.package.name];
  return [];
}

function who(u) {
  return u && u.anonymous ? "An anonymous user" : u.username;
}

// One person's votes (or new tags) fold into one entry.
function votesBy(kind, verb, join) {
  return {
    handles: (c) => c.rest === "tag." + kind,
    matches: (a, b) => a.msg.user.username === b.msg.user.username,
    merge(cs) {
      const user = cs[0].msg.user.username;
      const tags = Array.from(new Set(cs.map((c) => c.msg.vote.tag.tag))).sort();
      const pkgs = Array.from(new Set(cs.map((c) => pkgName(c.msg.vote.tag.package)))).sort();
      return {
        subtitle: user + " " + verb + " " + series(tags) + join + series(pkgs),
        secondary_icon: avatar(user),
        link: "https://apps.fedoraproject.org/tagger/",
      };
    },
  };
}
const CONGLOMERATORS = [
  votesBy("update", "voted on the tags:", " to the packages: "),
  votesBy("create", "created new tags:", " on the packages: "),
];

export default {
  names: ["fedoratagger"],
  conglomerators: CONGLOMERATORS,
  icon: ICON,
  usernames,
  packages,
  subtitle(c) {
    const m = c.msg;
    switch (c.rest) {
      case "tag.update":
        return m.vote.user.username + " " + (m.vote.like ? "up" : "down") + 'voted "' + m.vote.tag.tag + '" on ' +
          pkgName(m.vote.tag.package);
      case "rating.update": return who(m.rating.user) + " gave " + m.rating.package.name + " a rating of " + m.rating.rating;
      case "tag.create": return m.vote.user.username + ' added tag "' + m.vote.tag.tag + '" to ' + pkgName(m.vote.tag.package);
      case "user.rank.update": return m.user.username + "'s rank changed to " + m.user.rank;
      case "usage.toggle":
        return who(m.user) + (m.usage ? " declared that they use " : " declared that they no longer use ") + m.package.name;
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    let pack = m.vote && m.vote.tag ? pkgName(m.vote.tag.package) : null;
    if (!pack && m.rating) pack = m.rating.package.name;
    if (m.package) pack = m.package.name;
    return pack ? "https://apps.fedoraproject.org/tagger/" + pack : "";
  },
  secondary_icon(c) {
    const u = usernames(c);
    return u.length ? avatar(u[0]) : ICON;
  },
  objects(c) {
    const out = packages(c).map((p) => "packages/" + p);
    if (c.msg.vote) out.push("labels/" + c.msg.vote.tag.tag);
    return out;
  },
};
