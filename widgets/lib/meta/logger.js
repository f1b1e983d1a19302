// fedmsg-logger: free-form messages people and scripts put on the bus.

// The envelope names who sent it (the body has no agent).
function sender(c) {
  return typeof c.env.username === "string" ? c.env.username : null;
}

export default {
  names: ["logger"],
  icon: "https://apps.fedoraproject.org/img/icons/fedmsg.png",
  subtitle(c) {
    const m = c.msg;
    const text = typeof m.log === "string" ? m.log : "<custom JSON message>";
    const who = sender(c);
    return who ? text + " (" + who + ")" : text;
  },
  usernames(c) {
    return [sender(c)];
  },
};
