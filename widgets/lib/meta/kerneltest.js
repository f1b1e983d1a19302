// The kernel testing initiative: test results and release bookkeeping.

import { appIcon, avatar } from "./util.js";

export default {
  names: ["kerneltest"],
  icon: appIcon("tux.png"),
  subtitle(c) {
    const m = c.msg;
    if (m.test) return m.agent + " ran a test of " + m.test.kernel_version + " (" + m.test.result + ")";
    if (c.rest === "release.edit") {
      return m.agent + " edited the " + m.release.releasenum + "-" + m.release.support + " release for kerneltest";
    }
    if (c.rest === "release.new") {
      return m.agent + " added a new release for kerneltest: " + m.release.releasenum + " " + m.release.support;
    }
    return "";
  },
  link(c) {
    if (c.msg.test) return "https://apps.fedoraproject.org/kerneltest/kernel/" + c.msg.test.kernel_version;
    return "https://apps.fedoraproject.org/kerneltest/stats";
  },
  secondary_icon(c) {
    return avatar(c.msg.agent);
  },
  usernames(c) {
    return [c.msg.agent];
  },
  packages() {
    return ["kernel"];
  },
  objects(c) {
    const m = c.msg;
    if (m.test) return ["kernel/" + m.test.kernel_version];
    if (m.release) return ["release/" + m.release.releasenum + "/" + m.release.support];
    return [];
  },
};
