// zodbot's karma on IRC: someone gives another person a cookie (or not).

import { avatar } from "./util.js";

export default {
  names: ["irc"],
  iconFor(c) {
    return avatar(c.msg.agent);
  },
  subtitle(c) {
    const m = c.msg;
    if (c.rest !== "karma") return "";
    let s = m.agent + " gave " + m.recipient + "(" + m.total + ") " + (m.vote === 1 ? "a karma cookie" : "negative karma") + " in " + m.channel;
    if ("line" in m) s += '.  "' + m.line + '"';
    return s;
  },
  link(c) {
    return "https://badges.fedoraproject.org/user/" + c.msg.recipient;
  },
  secondary_icon(c) {
    return avatar(c.msg.recipient);
  },
  usernames(c) {
    return [c.msg.agent, c.msg.recipient];
  },
  objects(c) {
    return ["karma/" + c.msg.recipient];
  },
};
