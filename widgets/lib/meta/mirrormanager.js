// MirrorManager: mirror crawls and netblock updates.

import { appIcon } from "./util.js";

const ICON = appIcon("downloads.png");

export default {
  names: ["mirrormanager"],
  icon: ICON,
  subtitle(c) {
    const m = c.msg;
    if (c.rest === "crawler.complete") {
      const results = m.results || [];
      const ok = results.filter((r) => r.rc === 0).length;
      return "mirrormanager's crawler finished a crawl of " + results.length + " mirrors (" + ok + " succeeded, " +
        (results.length - ok) + " failed)";
    }
    if (c.rest === "crawler.start") return "mirrormanager's crawler started a crawl of " + m.hosts.length + " mirrors";
    if (c.rest === "netblocks.get") {
      return "mirrormanager's backend " + (m.success ? "successfully updated" : "failed to update") + " its " + m.type + " netblocks file";
    }
    return "";
  },
  link() {
    return "https://mirrors.fedoraproject.org";
  },
  secondary_icon() {
    return ICON;
  },
  objects(c) {
    const m = c.msg;
    if (c.rest.startsWith("crawler.")) {
      if (m.hosts) return m.hosts.map((h) => "mirrors/" + (h.host || h.name));
      return (m.results || []).map((r) => "mirrors/" + r.host.name);
    }
    if (c.rest.startsWith("netblocks.")) return ["netblocks/" + m.type];
    return [];
  },
};
