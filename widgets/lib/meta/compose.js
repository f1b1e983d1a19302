// Release engineering composes: the nightly/branched composes ("compose.*")
// and pungi-koji's own progress messages ("pungi.*").

import { appIcon, capitalize } from "./util.js";

// Old "make-updates" (post-release respin) events, by topic substring.
const MAKEUP = [
  [".make-updates.", ""],
  [".cloudimg-build.", " building images for"],
  [".mash-atomic", " Atomic updates mash for"],
  [".atomic-lorax", " Atomic lorax run for"],
  [".cloudimg-checksum.", " image checksum generation for"],
  [".cloudimg-staging.", " master mirror publication for"],
];
// Events from before pungi 4: always plain "Fedora" composes.
const OLD = [
  [".mash.", " mashing"],
  [".pungify.", " building boot.iso for"],
  [".image.", " building other images for"],
];
const OLD_KEYS = new Set(OLD.map((e) => e[0]));
const MAKEUP_KEYS = new Set(MAKEUP.map((e) => e[0]));
const ALL = OLD.concat(MAKEUP, [[".rsync.", " master mirror publication for"]]);

const TWO_DIGITS = /^\d\d$/;
const DIGITS = /^\d+$/;

function findEvent(topic) {
  for (let i = 0; i < ALL.length; i++) if (topic.indexOf(ALL[i][0]) >= 0) return { k: ALL[i][0], text: ALL[i][1] };
  return null;
}

export const compose = {
  names: ["compose"],
  subtitle(c) {
    const m = c.msg;
    const ev = findEvent(c.topic);
    // Make-updates events predate pungi 4 too.
    const isMakeup = ev !== null && MAKEUP_KEYS.has(ev.k);
    const isOld = ev !== null && (isMakeup || OLD_KEYS.has(ev.k));
    let release = "(unknown release)";
    if (typeof m.branch === "string") {
      const b = m.branch.split("Modular-");
      release = capitalize(b[b.length - 1]);
    } else if (c.parts.indexOf("rawhide") >= 0) {
      release = "Rawhide";
    } else if (c.parts.indexOf("epelbeta") >= 0) {
      release = "EPEL Beta";
    } else {
      const parts = c.parts;
      for (let i = 0; i < parts.length; i++) {
        if (TWO_DIGITS.test(parts[i])) {
          release = parts[i];
          break;
        }
      }
    }
    const arch = m.arch ? " (" + m.arch + ")" : "";
    let comptext = isMakeup ? "post-release Cloud/Atomic/Docker respin compose" : "compose";
    if (m.compose_id) comptext += " " + m.compose_id;
    let short = m.short;
    if (short === undefined) {
      short = "Fedora";
      if (String(m.branch || "").toLowerCase().indexOf("modular") >= 0) short = "Fedora-Modular";
      // Numeric releases without compose_id, arch or "branched" may be any of
      // the post-release respins: say so rather than guess.
      if (DIGITS.test(release) && !isOld && !("compose_id" in m) && !arch && c.topic.indexOf("branched") < 0) {
        short = "Fedora, Fedora-Atomic, Fedora-Cloud or Fedora-Docker";
      }
    }
    const last = c.last;
    let action = "Did something to do with";
    if (last === "start") action = "Started";
    else if (last === "complete" || last === "done" || last === "stop") action = "Completed";
    return action + (ev ? ev.text : "") + " " + short + " " + release + arch + " " + comptext;
  },
  link(c) {
    return c.msg.location || "https://kojipkgs.fedoraproject.org/compose/";
  },
  objects(c) {
    return [c.head + "/" + (c.msg.arch || "primary")];
  },
};

function stripChars(s, chars) {
  let a = 0, b = s.length;
  while (a < b && chars.indexOf(s[a]) >= 0) a++;
  while (b > a && chars.indexOf(s[b - 1]) >= 0) b--;
  return s.slice(a, b);
}

const PUNGI_STATUS = {
  STARTED: "started",
  FINISHED: "just finished",
  DOOMED: "failed in a horrible fire",
  TERMINATED: "was terminated",
};

export const pungi = {
  names: ["pungi"],
  icon: appIcon("pungi.png"),
  subtitle(c) {
    const m = c.msg;
    const compose = m.compose_id;
    const image = () => String(m.file).split("compose/").pop();
    switch (c.rest) {
      case "compose.status.change":
        return "pungi-koji compose of " + compose + " " + (PUNGI_STATUS[m.status] || m.status);
      case "compose.phase.start":
        return "pungi-koji started the " + m.phase_name + " phase of the " + compose + " compose";
      case "compose.phase.stop":
        return "pungi-koji finished the " + m.phase_name + " phase of the " + compose + " compose";
      case "compose.createiso.imagedone":
        return "pungi-koji finished createiso for " + image();
      case "compose.createiso.imagefail":
        return "pungi-koji createiso for " + image() + " failed!";
      case "compose.createiso.targets":
        return "pungi-koji assigned " + m.deliverables.length + " createiso targets";
      case "compose.ostree":
        return "pungi-koji ostree compose " + compose + " produced ostree commit " + m.commitid +
          " for " + m.arch + " " + m.ref;
      case "compose.fail.to.start":
        return 'failed to compose from ' + m.config + ': "' + m.detail + '"';
    }
    return "";
  },
  link(c) {
    // Python's str.strip takes a set of characters: "/compose" strips any
    // of / c o m p s e from both ends. Kept, so links match the original.
    if (typeof c.msg.location === "string") return stripChars(stripChars(c.msg.location, "/"), "/compose");
    return null;
  },
  objects(c) {
    const m = c.msg;
    if (Array.isArray(m.deliverables)) return m.deliverables.map((d) => stripChars(String(d), "/"));
    if (typeof m.file === "string") return [stripChars(m.file, "/")];
    if (typeof m.compose_id === "string") return ["rawhide/" + m.compose_id.split(".").join("/")];
    return [];
  },
};
