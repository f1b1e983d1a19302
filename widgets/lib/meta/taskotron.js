// Taskotron: automated check results on Koji builds and Bodhi updates.
// A Bodhi update names no package in the message (the original asked
// Bodhi over the network); here only Koji builds yield a package.

import { appIcon, packageIcon } from "./util.js";

const ICON = appIcon("taskotron.png");

function packages(c) {
  const t = c.msg.task || {};
  if (t.type === "koji_build") {
    const p = String(t.item).split("-");
    return [p.length > 2 ? p.slice(0, -2).join("-") : p[0]];
  }
  return [];
}

export default {
  names: ["taskotron"],
  icon: ICON,
  packages,
  subtitle(c) {
    const m = c.msg;
    if (c.rest !== "result.new") return "";
    return (m.task.name || "") + " " + (m.result.outcome || "") + " for " + (m.task.item || "");
  },
  link(c) {
    return c.rest === "result.new" ? c.msg.result.log_url || "" : null;
  },
  secondary_icon(c) {
    const p = packages(c);
    return p.length === 1 ? packageIcon(p[0]) : ICON;
  },
  objects(c) {
    const m = c.msg;
    return packages(c).map((p) => (m.task.name || "") + "/" + p + "/" + (m.result.outcome || ""));
  },
};
