// Fedora's Jenkins: build states of CI projects.

const STATES = {
  failed: "failed to build",
  passed: "built successfully",
  unstable: "built with warnings",
  notbuilt: "did not build",
  aborted: "build aborted",
  start: "started building",
  unknown: "entered an unknown state",
};

export default {
  names: ["jenkins"],
  icon: "https://wiki.jenkins-ci.org/download/attachments/2916393/logo.png?version=1",
  subtitle(c) {
    const s = c.rest.startsWith("build.") ? STATES[c.rest.slice(6)] : undefined;
    return s ? "Jenkins project '" + c.msg.project + "' " + s : "";
  },
  link(c) {
    const m = c.msg;
    if (m.build === undefined || m.build === null || m.project === undefined || m.project === null) return null;
    return "http://jenkins.cloud.fedoraproject.org/job/" + m.project + "/" + m.build + "/";
  },
  secondary_icon() {
    return "";
  },
  objects(c) {
    return ["jenkins/" + c.msg.project + "/" + c.parts.slice(-2).join(".")];
  },
};
