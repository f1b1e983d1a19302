// Meetbot (zodbot) on IRC: meetings started and ended, topics, and the
// #agreed/#action/#info/... items people log. People appear by IRC nick.

import { appIcon, account, avatar, series } from "./util.js";

const BOTS = new Set(["zodbot"]);
const LINK = /(https?:\/\/[a-z0-9.:].*?)[ $]/;
const ACTIONS = {
  agreed: "noted agreement",
  accepted: "accepted an item",
  rejected: "rejected an item",
  action: "noted an action",
  info: "raised a point of information",
  idea: "proposed an idea",
  help: "called for help",
  link: "linked to more information",
};

function attendees(m) {
  return Object.keys(m.attendees || {}).filter((n) => !BOTS.has(n)).map(account);
}

// Everything said in one meeting (one log URL) folds into one entry.
const CONGLOMERATORS = [
  {
    handles: () => true,
    matches: (a, b) => a.msg.url === b.msg.url,
    merge(cs) {
      const people = [];
      for (const c of cs) for (const n of Object.keys(c.msg.attendees || {})) people.push(n);
      const titled = cs.find((c) => c.msg.meeting_topic);
      const where = " in " + cs[0].msg.channel;
      return {
        subtitle: series(people) + " participated in " + (titled ? titled.msg.meeting_topic : "a meeting") + where,
        secondary_icon: avatar(account(cs[0].msg.owner)),
        link: cs[0].msg.url,
      };
    },
  },
];

export default {
  names: ["meetbot"],
  conglomerators: CONGLOMERATORS,
  icon: appIcon("meetbot.png"),
  subtitle(c) {
    const m = c.msg;
    const owner = account(m.owner);
    const name = m.meeting_topic;
    const ch = m.channel;
    const t = c.rest;
    if (t === "meeting.start") return name ? owner + ' started meeting "' + name + '" in ' + ch : owner + " started a meeting in " + ch;
    if (t === "meeting.complete") {
      return name ? owner + "'s meeting titled \"" + name + '" ended in ' + ch : owner + "'s meeting ended in " + ch;
    }
    if (t === "meeting.topic.update") {
      const topic = "topic" in m ? m.topic : "no topic";
      return name
        ? "The topic of " + owner + "'s \"" + name + '" meeting changed to "' + topic + '" in ' + ch
        : "The topic of " + owner + "'s meeting changed to \"" + topic + '" in ' + ch;
    }
    if (t.startsWith("meeting.item.")) {
      const action = ACTIONS[c.last];
      if (!action) return "";
      const agent = account(m.details.nick);
      const where = name ? ' in the "' + name + '" meeting in ' : " in a meeting in ";
      return agent + " " + action + where + ch + ': "' + m.details.line + '"';
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    if (c.rest === "meeting.complete") return String(m.url).replace("http://", "https://") + ".html";
    if (c.rest === "meeting.item.link") {
      // The first URL on the line, ending at a space or the end of the line.
      const hit = LINK.exec(m.details.line + " ");
      return hit ? hit[1] : null;
    }
    return null;
  },
  secondary_icon(c) {
    const m = c.msg;
    return avatar(account(m.details ? m.details.nick : m.owner));
  },
  usernames(c) {
    return attendees(c.msg);
  },
  objects(c) {
    const m = c.msg;
    const out = attendees(m).map((a) => "attendees/" + a);
    out.push("channels/" + m.channel);
    if (m.meeting_topic) out.push("titles/" + m.meeting_topic);
    if (m.topic) out.push("topics/" + m.topic);
    return out;
  },
};
