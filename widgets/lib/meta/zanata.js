// Zanata, the translation platform: documents reaching translation milestones.

const ICON = "https://pbs.twimg.com/profile_images/378800000417679469/47eb45c6205aa9f2cdb8705e6d46745c_normal.png";

export default {
  names: ["zanata"],
  icon: ICON,
  subtitle(c) {
    const m = c.msg;
    if (c.rest === "document.milestone.event") {
      return m.docId + " from the " + m.project + " project is now " + String(m.milestone).toLowerCase() + " in the '" + m.locale + "' locale";
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    return "https://fedora.zanata.org/iteration/view/" + m.project + "/" + m.version + "/languages/" + m.locale;
  },
  secondary_icon() {
    return ICON;
  },
  objects(c) {
    const m = c.msg;
    return [m.project + "/" + m.version + "/languages/" + m.locale];
  },
};
