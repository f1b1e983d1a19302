// FAF (ABRT analytics): crash reports and problems crossing count thresholds.

import { packageIcon } from "./util.js";

function components(m) {
  return Array.isArray(m.components) ? m.components : [];
}

export default {
  names: ["faf"],
  icon: "https://apps.fedoraproject.org/packages/images/icons/abrt.png",
  subtitle(c) {
    const kind = c.rest.startsWith("problem.") ? "problem" : "report";
    return "ABRT " + kind + " for package " + components(c.msg).join(", ") + " has reached " + c.msg.count + " occurrences";
  },
  link(c) {
    return c.msg.url || null;
  },
  secondary_icon(c) {
    const p = components(c.msg);
    return p.length ? packageIcon(p[0]) : null;
  },
  usernames(c) {
    return c.msg.maintainers || [];
  },
  packages(c) {
    return components(c.msg);
  },
};
