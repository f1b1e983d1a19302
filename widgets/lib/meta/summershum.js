// summershum: hashing of the source tarballs uploaded to the lookaside cache.

import { avatar } from "./util.js";

export default {
  names: ["summershum"],
  icon: "https://raw.githubusercontent.com/fedora-infra/summershum/develop/summershum.png",
  subtitle(c) {
    const o = c.msg.original;
    const last = c.last;
    if (last.endsWith("fail")) return "yikes!  summershum failed to process " + o.filename + " for " + o.name;
    if (last.endsWith("complete")) return "summershum ingested " + o.filename + " for " + o.name;
    if (last.endsWith("start")) return "summershum started working on " + o.filename + " for " + o.name;
    return "(unhandled)";
  },
  link(c) {
    const o = c.msg.original;
    const path = o.path || o.name + "/" + o.filename + "/" + o.md5sum + "/" + o.filename;
    return "http://pkgs.fedoraproject.org/lookaside/pkgs/" + path;
  },
  secondary_icon(c) {
    return avatar(c.msg.original.agent);
  },
  usernames(c) {
    return [c.msg.original.agent];
  },
  packages(c) {
    return [c.msg.original.name];
  },
  objects(c) {
    const o = c.msg.original;
    return ["digests/" + o.name + "/" + o.filename + "/" + o.md5sum];
  },
};
