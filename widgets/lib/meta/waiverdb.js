// WaiverDB: people waiving failed test results.

import { appIcon, avatar } from "./util.js";

export default {
  names: ["waiverdb"],
  icon: appIcon("waiverdb.png"),
  subtitle(c) {
    const m = c.msg;
    const what = m.waived ? " waived result " : " unwaived result ";
    return m.username + what + m.result_id + " (" + m.product_version + '): "' + m.comment + '"';
  },
  link(c) {
    return "https://waiverdb-web-waiverdb.app.os.fedoraproject.org/api/v1.0/waivers/" + c.msg.id;
  },
  secondary_icon(c) {
    return avatar(c.msg.username);
  },
  usernames(c) {
    return [c.msg.username];
  },
};
