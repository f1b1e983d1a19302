// PDC, the Product Definition Center: composes and their imported metadata.

export default {
  names: ["pdc"],
  subtitle(c) {
    const m = c.msg;
    if (c.rest === "rpms" || c.rest === "images") {
      return "PDC imported metadata for " + m.count + " " + m.attribute + " for the " + m.compose_id + " " + m.compose_type + " compose";
    }
    if (c.rest === "compose") {
      return "An entry for the " + m.compose_id + " " + m.compose_type + " compose was created in the Product Definition Center";
    }
    return "Unhandled PDC message...";
  },
  link(c) {
    return "https://pdc.fedoraproject.org/rest_api/v1/composes/" + c.msg.compose_id + "/";
  },
  objects(c) {
    return [c.msg.compose_id + "/" + c.msg.action + "/" + c.last];
  },
};
