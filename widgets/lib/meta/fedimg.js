// fedimg: uploads, tests, publication and copies of Fedora cloud images.

import { appIcon } from "./util.js";

export default {
  names: ["fedimg"],
  icon: appIcon("fedimg.png"),
  subtitle(c) {
    const m = c.msg;
    const name = m.image_name;
    const dest = m.destination;
    const x = m.extra || {};
    const details = " (" + x.id + ", " + x.virt_type + ", " + x.vol_type + ")";
    switch (c.rest) {
      case "image.upload":
        if (m.status === "started") return name + " started uploading to " + dest;
        if (m.status === "completed") return name + " finished uploading to " + dest + details;
        if (m.status === "failed") return name + " failed to upload to " + dest;
        return "";
      case "image.test":
        if (m.status === "started") return name + " started testing on " + dest + details;
        if (m.status === "completed") return name + " finished testing on " + dest + details;
        if (m.status === "failed") return name + " failed testing on " + dest + details;
        return "";
      case "image.publish": return name + " published in region, " + dest + details;
      case "image.copy":
        return name + " copied to " + dest + " using source image, " + x.source_image_id + details;
    }
    return "";
  },
  objects(c) {
    if (c.rest === "image.upload" || c.rest === "image.test") return ["image/" + c.rest.slice(6) + "/" + c.msg.status];
    return [];
  },
};
