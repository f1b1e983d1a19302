// How many people the hub has.
export default {
  title: "Stats",
  hints: { topics: ["hubs.hub.update"] },
  data(ctx) {
    return { owners: ctx.hub.owners.length, members: ctx.hub.members.length, subscribers: ctx.hub.subscribers.length, stargazers: ctx.hub.stargazers.length };
  },
  template(data, h) {
    return h.html`<dl class="stats">
      <dt>Members</dt><dd>${h.commas(data.members + data.owners)}</dd>
      <dt>Subscribers</dt><dd>${h.commas(data.subscribers)}</dd>
      <dt>Stars</dt><dd>${h.commas(data.stargazers)}</dd>
    </dl>`;
  },
  shouldInvalidate(message, widget) {
    return message.topic.endsWith(".hubs.hub.update") && message.msg.hub && message.msg.hub.name === widget.hub;
  },
};
