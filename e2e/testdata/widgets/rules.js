// The team's rules and meeting links, straight from the config.
export default {
  title: "Rules",
  params: {
    link: { type: "link", label: "Rules page", help: "Where the team's rules are written." },
    schedule_text: { type: "string", label: "Meeting schedule" },
    schedule_link: { type: "link", label: "Schedule page" },
    minutes_link: { type: "link", label: "Minutes" },
  },
  hints: { topics: ["hubs.widget.update"] },
  data(ctx, config) {
    return { link: config.link || null, schedule: config.schedule_text || "", scheduleLink: config.schedule_link || null, minutes: config.minutes_link || null };
  },
  template(data, h) {
    return h.html`<ul class="rules">
      ${data.link ? h.html`<li><a href="${data.link}">Team rules</a></li>` : ""}
      ${data.schedule ? h.html`<li>Meetings: ${data.scheduleLink ? h.html`<a href="${data.scheduleLink}">${data.schedule}</a>` : data.schedule}</li>` : ""}
      ${data.minutes ? h.html`<li><a href="${data.minutes}">Minutes of past meetings</a></li>` : ""}
    </ul>`;
  },
  shouldInvalidate(message, widget) {
    return message.topic.endsWith(".hubs.widget.update") && message.msg.widget && message.msg.widget.id === widget.id;
  },
};
