// openQA: automated installation and update testing (jobs and comments).

import { appIcon } from "./util.js";

function kind(c) {
  if (c.topic.indexOf(".job.") >= 0) return "job";
  if (c.topic.indexOf(".comment.") >= 0) return "comment";
  return "";
}
function staging(c) {
  return c.topic.indexOf(".stg") >= 0;
}
function has(v) {
  return v !== undefined && v !== null && v !== "";
}

function jobSubtitle(c) {
  const m = c.msg;
  const build = "BUILD" in m ? m.BUILD : "build" in m ? m.build : "";
  let s = (staging(c) ? "staging " : "") + "job " + (has(m.id) ? m.id : "") + " ";
  if (m.TEST) {
    s += "(test " + m.TEST + " on " + m.MACHINE;
    if (m.ISO) s += " for iso " + m.ISO + ") ";
    else if (m.HDD_1) s += " for disk " + m.HDD_1 + ") ";
    else s += ") ";
  }
  const action = c.last;
  if (action === "duplicate") {
    const auto = m.auto === "0" ? "manually " : m.auto === "1" ? "automatically " : "";
    return s + auto + "duplicated as " + m.result + " for " + build;
  }
  if (action === "restart") return s + "restarted as " + m.result + " for " + build;
  if (action === "done") {
    const result = has(m.result) ? "with result " + m.result + " " : "";
    return s + "completed " + result + "for " + build + ", " + m.remaining + " remaining jobs";
  }
  if (action === "create") return s + "created for " + build;
  if (action === "cancel") return s + "cancelled for " + build;
  return "";
}

function commentSubtitle(c) {
  const m = c.msg;
  let text = m.text || "";
  if (text.length > 30) text = text.slice(0, 30) + "...";
  const action = { create: "created", update: "updated", delete: "deleted" }[c.last] || "did something to";
  let s = (m.user || "someone") + " " + action + " comment #" + m.id + " on openQA";
  if (m.job_id) s += " job " + m.job_id;
  else if (m.group_id) s += " group " + m.group_id;
  if (text) s += ", text: " + text;
  return s;
}

export default {
  names: ["openqa"],
  icon: appIcon("openqa.png"),
  subtitle(c) {
    const k = kind(c);
    if (k === "job") return jobSubtitle(c);
    if (k === "comment") return commentSubtitle(c);
    return "";
  },
  link(c) {
    const m = c.msg;
    const base = staging(c) ? "https://openqa.stg.fedoraproject.org" : "https://openqa.fedoraproject.org";
    const k = kind(c);
    if (k === "job") return base + "/tests/" + m.id;
    if (k === "comment") {
      if (m.job_id) return base + "/tests/" + m.job_id + "#comments";
      if (m.group_id) return base + "/group_overview/" + m.group_id;
      return base;
    }
    return null;
  },
  usernames(c) {
    return c.msg.user ? [c.msg.user] : [];
  },
  objects(c) {
    const m = c.msg;
    const out = [];
    if ("build" in m) out.push(m.build);
    else if ("BUILD" in m) out.push(m.BUILD);
    // An ISO is the thing under test; a disk image beside it is only a tool.
    if ("ISO" in m) out.push(m.ISO);
    else if ("HDD_1" in m) out.push(m.HDD_1);
    // A comment is about its job or group; a job merely belongs to a group.
    if (kind(c) === "comment") {
      if (m.job_id) out.push(m.job_id);
      if (m.group_id) out.push(m.group_id);
    }
    return out;
  },
};
