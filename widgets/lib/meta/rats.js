// RATS (Run Another Test System): people asking for test runs on dist-git
// pull requests or resultsdb results.

import { PACKAGE_ICON, avatar } from "./util.js";

function project(p) {
  let name = p.name;
  if (p.namespace) name = p.namespace + "/" + name;
  if (p.parent) name = "fork/" + p.user.name + "/" + name;
  return name;
}
function prRef(m) {
  return project(m.pull_request.project) + "/pull-request/" + m.pull_request.id;
}

export default {
  names: ["rats"],
  icon: PACKAGE_ICON,
  subtitle(c) {
    const m = c.msg;
    const u = m.agent;
    switch (c.rest) {
      case "test.simple-koji-ci": return u + ' requested a run of simple-koji-ci on "' + prRef(m) + '"';
      case "test.taskotron":
        return m.identifier
          ? u + " requested a run of taskotron's " + m.test + ' on "' + m.identifier + '"'
          : u + ' requested a run of taskotron on resultsdb\'s result id: "' + m.result_id + '"';
      case "test.atomic-ci":
        if (m.identifier) return u + ' requested a run of atomic-ci on "' + m.identifier + '"';
        if (m.pull_request) return u + ' requested a run of atomic-ci on "' + prRef(m) + '"';
        return u + ' requested a run of atomic-ci on resultsdb\'s result id: "' + m.result_id + '"';
    }
    return "";
  },
  link(c) {
    if (c.rest === "test.simple-koji-ci") {
      return "https://src.fedoraproject.org/" + project(c.msg.pull_request.project) + "/pull-request/" + c.msg.pull_request.id;
    }
    return null;
  },
  secondary_icon(c) {
    return c.msg.agent ? avatar(c.msg.agent) : null;
  },
  usernames(c) {
    return [c.msg.agent];
  },
  objects(c) {
    const m = c.msg;
    switch (c.rest) {
      case "test.simple-koji-ci": return ["simple-koji-ci/" + prRef(m).trim()];
      case "test.taskotron":
        return [m.identifier ? "taskotron/" + m.test + "/" + m.identifier : "taskotron/resultsdb/" + m.result_id];
      case "test.atomic-ci":
        if (m.identifier) return ["AtomicCI/" + m.identifier];
        if (m.pull_request) return ["AtomicCI/" + prRef(m)];
        return ["AtomicCI/resultsdb/" + m.result_id];
    }
    return [];
  },
};
