// Who is in the hub: owners and members, from ctx.hub.
export default {
  title: "About",
  hints: { topics: ["hubs.hub.update"] },
  data(ctx) {
    return { summary: ctx.hub.summary, owners: ctx.hub.owners, members: ctx.hub.members, subscribers: ctx.hub.subscribers.length };
  },
  template(data, h) {
    return h.html`<p>${data.summary}</p>
      <p>Owners: ${h.series(data.owners)}</p>
      <p>Members: ${data.members.length ? h.series(data.members) : "nobody yet"}</p>
      <p class="subs">${h.commas(data.subscribers)} subscribers</p>`;
  },
  shouldInvalidate(message, widget) {
    return message.topic.endsWith(".hubs.hub.update") && message.msg.hub && message.msg.hub.name === widget.hub;
  },
};
