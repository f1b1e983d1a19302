// A widget whose shouldInvalidate says whether lib/meta.js's usernames and
// packages of the message are widget.config.want (as JSON), after changing
// the list it got (runtime/metalib_lib_test.go).
import { usernames, packages } from "./lib/meta.js";

export default {
  title: "Who",
  data() { return {}; },
  template() { return ""; },
  shouldInvalidate(message, widget) {
    const u = usernames(message);
    u.push("changed by the caller");
    return JSON.stringify([usernames(message), packages(message)]) === widget.config.want;
  },
};
