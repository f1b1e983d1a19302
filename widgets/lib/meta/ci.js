// CentOS CI pipelines (Atomic CI, All Packages CI, Container CI) reporting on
// Fedora dist-git commits, pull requests and Koji scratch builds.
// Topic: <prefix>.ci.pipeline[.<variant>].<stage...>, or the older
// <prefix>.allpackages.pipeline.<stage...>.

import { avatar, dotsToSlashes } from "./util.js";

const ICON = "https://ci.centos.org/static/ec6de755/images/headshot.png";

// Pipeline names by the variant word that follows "pipeline.".
const PIPELINES = {
  "": "Atomic CI",
  allpackages: "All Packages CI",
  "allpackages-pr": "All Packages (PR) CI",
  "allpackages-build": "All Packages (Build) CI",
  "container-pr": "Container CI",
  container: "Container CI",
};

// What happened, by stage (with "container." read as "package."). {status}
// is filled only for *.complete stages; quoted stages quote the subject id.
const STAGES = {
  "package.ignore": [true, "is being ignored by the"],
  "package.ignored": [true, "is being ignored by the"],
  complete: [true, "{status} the"],
  "package.complete": [false, "{status} building in the"],
  "package.queued": [false, "is queued to be built in the"],
  "package.running": [false, "is being built in the"],
  "package.test.functional.complete": [false, "{status} its functional tests in the"],
  "package.test.functional.queued": [false, "is queued for functional testing in the"],
  "package.test.functional.running": [false, "is running its functional tests in the"],
  "compose.complete": [false, "{status} a compose in the"],
  "compose.queued": [false, "is queued for a compose in the"],
  "compose.running": [false, "is being part of a compose in the"],
  "compose.test.integration.complete": [false, "{status} its tests as part of a compose in the"],
  "compose.test.integration.queued": [false, "is queued for tests as part of a compose in the"],
  "compose.test.integration.running": [false, "is being tested as part of a compose in the"],
  "image.complete": [false, "{status} being built in an image in the"],
  "image.queued": [false, "is queued to be built in an image in the"],
  "image.running": [false, "is being built in an image in the"],
  "image.test.smoke.complete": [false, "{status} its tests in an image in the"],
  "image.test.smoke.queued": [false, "is queued to be tested in an image in the"],
  "image.test.smoke.running": [false, "is being tested in an image in the"],
};
const STAGE_HEADS = new Set(["package", "compose", "image", "complete", "container"]);

function statusWord(s) {
  switch (String(s || "").toLowerCase()) {
    case "success": return "passed";
    case "aborted": return "was aborted on";
    case "unstable": return "errored";
    default: return "failed";
  }
}

// split returns the variant and the stage of a topic's tail after "pipeline.".
function split(c) {
  const memo = c.memo();
  if (memo.ci === undefined) memo.ci = computeSplit(c);
  return memo.ci;
}

function computeSplit(c) {
  const i = c.topic.indexOf(".pipeline.");
  const actions = i < 0 ? "" : c.topic.slice(i + ".pipeline.".length);
  const dot = actions.indexOf(".");
  const head = dot < 0 ? actions : actions.slice(0, dot);
  let variant = "";
  let stage = actions;
  if (!STAGE_HEADS.has(head)) {
    variant = head;
    stage = dot < 0 ? "" : actions.slice(dot + 1);
  }
  // The old topic family names the pipeline by its category.
  if (c.category === "allpackages") variant = "allpackages";
  return { actions, variant, stage };
}

// subject names what was tested: a commit, a pull request or a Koji task.
function subject(rev, quoted) {
  rev = String(rev || "");
  let kind = "Commit";
  let id = rev.slice(0, 8);
  if (rev.startsWith("PR-")) { kind = "Pull request"; id = rev.slice(3); }
  else if (rev.startsWith("kojitask-")) { kind = "Koji task"; id = rev.slice(9); }
  return kind + " " + (quoted ? '"' + id + '"' : id);
}

export default {
  names: ["ci", "allpackages"],
  icon: ICON,
  subtitle(c) {
    const m = c.msg;
    const { variant, stage } = split(c);
    const container = stage.startsWith("container.");
    const st = STAGES[container ? "package." + stage.slice(10) : stage];
    if (!st) return "";
    const pipeline = PIPELINES[variant] || variant + " CI";
    const what = st[1].replace("{status}", statusWord(m.status));
    return subject(m.rev, st[0]) + " of " + (container ? "container " : "package ") +
      m.namespace + "/" + m.repo + " " + what + " " + pipeline + " pipeline on branch " + m.branch;
  },
  link(c) {
    return c.msg.build_url || "http://ci.centos.org/";
  },
  secondary_icon(c) {
    return c.msg.username ? avatar(c.msg.username) : null;
  },
  usernames(c) {
    return [c.msg.username];
  },
  objects(c) {
    const m = c.msg;
    return [[m.namespace, m.repo, m.rev, m.branch].join("/") + "/" + dotsToSlashes(split(c).actions)];
  },
};
