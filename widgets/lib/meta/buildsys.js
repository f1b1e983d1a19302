// Koji, the Fedora build system (and its secondary-architecture instances):
// builds, scratch-build tasks, tags, repos and signatures.

import { avatar, series } from "./util.js";

const ICON = "https://fedoraproject.org/w/uploads/2/20/Artwork_DesignService_koji-icon-48.png";
const INSTANCE_BASE = {
  primary: "http://koji.fedoraproject.org/koji",
  ppc: "http://ppc.koji.fedoraproject.org/koji",
  s390: "http://s390.koji.fedoraproject.org/koji",
  arm: "http://arm.koji.fedoraproject.org/koji",
};
// Build states, indexed by koji's numeric state.
const BUILD_STATES = ["started building", "completed", "was deleted", "failed to build", "was cancelled"];
const TASK_STATES = { OPEN: "started", FAILED: "failed", CLOSED: "completed", CANCELED: "was cancelled" };

function instance(m) {
  return m.instance || "primary";
}
function inst(m) {
  const i = instance(m);
  return i === "primary" ? "" : " (" + i + ")";
}
function nvr(m) {
  return m.name + "-" + m.version + "-" + m.release;
}
// owned prefixes a sentence with "owner's " when the build has an owner.
function owned(m, rest) {
  return m.owner ? m.owner + "'s " + rest : rest;
}
function signed(m) {
  return m.info || m.rpm;
}

// Conglomerators (fedmsg.meta had none for Koji; the issue asks for them):
// one build's state changes fold into one entry ("ralph's foo-1-1.fc30
// started building, then completed"), likewise one scratch build's task;
// then one person's builds that reached the same state fold together
// ("ralph's builds of a, b and 3 others completed").
function byTime(cs) {
  return cs.slice().sort((a, b) => (Number(a.env.timestamp) || 0) - (Number(b.env.timestamp) || 0));
}
function states(cs, name) {
  const out = [];
  const ordered = byTime(cs);
  for (let i = 0; i < ordered.length; i++) {
    const s = name(ordered[i].msg);
    if (s !== undefined && out[out.length - 1] !== s) out.push(s);
  }
  return out.join(", then ");
}
const isBuild = (c) => c.rest === "build.state.change";
const CONGLOMERATORS = [
  {
    handles: isBuild,
    matches: (a, b) => a.msg.build_id === b.msg.build_id && instance(a.msg) === instance(b.msg),
    merge(cs) {
      const m = cs[0].msg;
      return {
        subtitle: owned(m, nvr(m) + " " + states(cs, (x) => BUILD_STATES[x.new]) + inst(m)),
        secondary_icon: m.owner ? avatar(m.owner) : ICON,
        link: INSTANCE_BASE[instance(m)] + "/buildinfo?buildID=" + m.build_id,
      };
    },
  },
  {
    handles: (c) => c.rest === "task.state.change",
    matches: (a, b) => a.msg.id === b.msg.id && instance(a.msg) === instance(b.msg),
    merge(cs) {
      const m = cs[0].msg;
      return {
        subtitle: owned(m, "scratch build of " + m.srpm + " " + states(cs, (x) => TASK_STATES[x.new] || "changed") + inst(m)),
        secondary_icon: m.owner ? avatar(m.owner) : ICON,
        link: INSTANCE_BASE[instance(m)] + "/taskinfo?taskID=" + m.id,
      };
    },
  },
  {
    handles: (c) => isBuild(c) && !!c.msg.owner,
    matches: (a, b) => a.msg.owner === b.msg.owner && a.msg.new === b.msg.new && instance(a.msg) === instance(b.msg),
    merge(cs, t) {
      const m = cs[0].msg;
      return {
        subtitle: m.owner + "'s builds of " + series(t.packages) + " " + BUILD_STATES[m.new] + inst(m),
        secondary_icon: avatar(m.owner),
        link: INSTANCE_BASE[instance(m)] + "/userinfo?userID=" + m.owner,
      };
    },
  },
];

export default {
  names: ["buildsys"],
  conglomerators: CONGLOMERATORS,
  icon: ICON,
  subtitle(c) {
    const m = c.msg;
    switch (c.rest) {
      case "tag": return m.owner + "'s " + nvr(m) + " tagged into " + m.tag + " by " + m.user + inst(m);
      case "untag": return m.owner + "'s " + nvr(m) + " untagged from " + m.tag + " by " + m.user + inst(m);
      case "repo.init": return "Repo initialized:  " + (m.tag || "unknown") + inst(m);
      case "repo.done": return "Repo done:  " + (m.tag || "unknown") + inst(m);
      case "package.list.change": return "Package list change for " + m.package + ":  '" + m.tag + "'" + inst(m);
      case "rpm.sign": {
        const r = signed(m);
        const key = m.info ? r.sigkey : m.sigkey;
        return "Koji build " + r.name + "-" + r.version + "-" + r.release + "." + r.arch + ".rpm signed with sigkey '" + key + "'";
      }
      case "build.state.change": {
        const what = BUILD_STATES[m.new];
        if (what === undefined) return "";
        return owned(m, nvr(m) + " " + what + inst(m));
      }
      case "task.state.change": {
        let target = "";
        const req = m.info && m.info.request;
        if (Array.isArray(req)) {
          // The request lists the source and the build target(s); keep the targets.
          const targets = req.filter((i) => typeof i === "string" && !i.endsWith(".rpm"));
          if (targets.length) target = " for " + series(targets.sort());
        }
        return owned(m, "scratch build of " + m.srpm + target + " " + (TASK_STATES[m.new] || "changed") + inst(m));
      }
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    let base = INSTANCE_BASE[instance(m)];
    if (!base) return null;
    if (c.envName === "stg") base = "http://koji.stg.fedoraproject.org/koji";
    switch (c.rest) {
      case "tag": case "untag": case "repo.init": case "repo.done":
        return "tag_id" in m ? base + "/taginfo?tagID=" + m.tag_id : base;
      case "build.state.change": return base + "/buildinfo?buildID=" + m.build_id;
      case "task.state.change": return base + "/taskinfo?taskID=" + m.id;
      case "package.list.change": return null;
      case "rpm.sign": return base + "/buildinfo?buildID=" + signed(m).build_id;
    }
    return base;
  },
  secondary_icon(c) {
    return c.msg.owner ? avatar(c.msg.owner) : ICON;
  },
  usernames(c) {
    const m = c.msg;
    if (c.rest === "tag" || c.rest === "untag") return [m.owner, m.user];
    if (c.rest === "build.state.change" || c.rest === "task.state.change") return [m.owner];
    return [];
  },
  packages(c) {
    const m = c.msg;
    switch (c.rest) {
      case "tag": case "untag": case "build.state.change": return [m.name];
      case "package.list.change": return [m.package];
      case "rpm.sign": return [signed(m).name];
    }
    // A scratch build belongs to no package in particular.
    return [];
  },
  objects(c) {
    const m = c.msg;
    const i = instance(m);
    const build = () => [i, "builds", m.name, m.version, m.release].join("/");
    switch (c.rest) {
      case "tag": case "untag": return [build(), i + "/tags/" + (m.tag || "unknown")];
      case "build.state.change": return [build()];
      case "task.state.change": return [i + "/scratch_builds/" + m.srpm];
      case "repo.init": case "repo.done": return [i + "/repos/" + (m.tag || "unknown")];
      case "package.list.change": return [i + "/tags/" + (m.tag || "unknown")];
      case "rpm.sign": return ["signatures/" + signed(m).name];
    }
    return [];
  },
};
