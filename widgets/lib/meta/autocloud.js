// Autocloud: automated testing of Fedora cloud images and composes.

import { appIcon } from "./util.js";

const ICON = appIcon("fedimg.png");

// v2 messages name the compose; v1 messages only the image.
function isV2(c) {
  const m = c.msg;
  return "compose_id" in m || "compose_job_id" in m || c.rest.startsWith("compose.");
}

const IMAGE = {
  queued: ["", " is queued for testing"],
  running: ["The tests for the ", " have started running"],
  aborted: ["The tests for the ", " have been aborted"],
  failed: ["The tests for the ", " failed"],
  success: ["The tests for ", " were a success"],
};
const COMPOSE = {
  queued: " is queued for testing",
  running: " tests have started running",
  completed: " tests have completed",
};

export default {
  names: ["autocloud"],
  icon: ICON,
  subtitle(c) {
    const m = c.msg;
    const kind = c.rest.split(".")[0];
    if (kind === "image") {
      const t = IMAGE[m.status];
      if (!t) return "";
      let name = m.image_name;
      if (m.release) name += " (" + m.release + ")";
      if (isV2(c)) name += "(" + m.compose_id + ")";
      return t[0] + name + t[1];
    }
    if (kind === "compose") {
      const t = COMPOSE[m.status];
      return t ? (m.id || m.compose_id || "A compose") + t : "";
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    if (c.rest.startsWith("compose.")) {
      return m.compose_job_id !== undefined && m.compose_job_id !== null
        ? "https://apps.fedoraproject.org/autocloud/jobs/" + m.compose_job_id
        : "https://apps.fedoraproject.org/autocloud/";
    }
    if (m.job_id) return "https://apps.fedoraproject.org/autocloud/jobs/" + m.job_id + "/output";
    return m.image_url || "https://apps.fedoraproject.org/autocloud/";
  },
  secondary_icon() {
    return ICON;
  },
  objects(c) {
    return ["autocloud/" + c.rest.split(".")[0] + "/" + c.msg.status];
  },
};
