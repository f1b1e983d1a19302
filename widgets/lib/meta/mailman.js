// Mailman 3 / HyperKitty: posts to the Fedora mailing lists. Posters appear
// by e-mail; Fedora addresses and those the account table knows become
// usernames.

import { account, appIcon, avatar, emailAvatar, series } from "./util.js";

const WHITESPACE = /\s+/;

// address pulls the bare address out of a From header ("Name <a@b>").
export function address(from) {
  const s = String(from || "");
  const lt = s.lastIndexOf("<");
  const gt = s.lastIndexOf(">");
  if (lt >= 0 && gt > lt) return s.slice(lt + 1, gt).trim();
  return s.trim();
}

function poster(m) {
  const email = address(m.msg.from);
  const user = account(email);
  return { email, user, fas: typeof user === "string" && user !== "" && user.indexOf("@") < 0 };
}

// threadIds lists the Message-IDs a post belongs to: its References (or
// In-Reply-To) and its own.
export function threadIds(m) {
  const h = m.msg || {};
  const refs = String(h.references || "").split(WHITESPACE).filter(Boolean);
  refs.push(String(h["message-id"] || ""));
  return refs;
}

// Posts of one thread (sharing a Message-ID through References) fold into
// "a, b and 3 others wrote 9 replies to the "subject" thread".
function stripRe(subject) {
  const s = String(subject);
  const i = s.toLowerCase().lastIndexOf("re: ");
  return i >= 0 ? s.slice(i + 4) : s;
}
function unbracket(s) {
  return String(s).split("<").pop().split(">")[0];
}
const CONGLOMERATORS = [
  {
    handles: (c) => c.rest === "receive",
    matches(a, b) {
      const ids = new Set(threadIds(a.msg));
      return threadIds(b.msg).some((id) => ids.has(id));
    },
    merge(cs) {
      const people = Array.from(new Set(cs.map((c) => address(c.msg.msg.from)))).sort();
      const lists = Array.from(new Set(cs.map((c) => c.msg.mlist.list_name))).sort();
      const subject = Array.from(new Set(cs.map((c) => stripRe(c.msg.msg.subject)))).sort()[0];
      const firstFrom = cs.map((c) => String(c.msg.msg.from)).sort()[0];
      const link = cs.map((c) => String(c.msg.msg["archived-at"])).sort()[0];
      return {
        subtitle: series(people) + " wrote " + cs.length + ' replies to the "' + subject + '" thread on the ' + series(lists) +
          (lists.length === 1 ? " list" : " lists"),
        secondary_icon: emailAvatar(address(firstFrom)),
        link: unbracket(link),
      };
    },
  },
];

export default {
  names: ["mailman"],
  conglomerators: CONGLOMERATORS,
  icon: appIcon("hyperkitty.png"),
  subtitle(c) {
    const m = c.msg;
    if (c.rest.indexOf("receive") < 0) return "";
    const list = m.mlist.list_name;
    const subject = String(m.msg.subject).split("\n").join(" ");
    const who = poster(m).user || "someone";
    if (m.msg.references || m.msg["in-reply-to"]) return "On the " + list + " list, " + who + " replied to '" + subject + "'";
    return who + " wrote '" + subject + "' to the " + list + " list";
  },
  link(c) {
    let at = c.msg.msg["archived-at"];
    if (!at) return null;
    at = String(at);
    if (at.startsWith("<")) at = at.slice(1);
    if (at.endsWith(">")) at = at.slice(0, -1);
    return at.startsWith("http") ? at : "https://lists.fedoraproject.org/archives" + at;
  },
  secondary_icon(c) {
    const p = poster(c.msg);
    return p.fas ? avatar(p.user) : emailAvatar(p.email);
  },
  usernames(c) {
    const p = poster(c.msg);
    return p.fas ? [p.user] : [];
  },
  objects(c) {
    const h = c.msg.msg;
    let refs = h.references || h["in-reply-to"] || "";
    refs = String(refs).split(WHITESPACE).filter(Boolean).map((r) => r.slice(1, -1));
    const id = String(h["message-id"]).slice(1, -1);
    const tokens = refs.length ? [refs.join("/"), id, "message"] : [id, "message"];
    return [c.msg.mlist.list_name + "/" + tokens.join("/")];
  },
};
