// Rules: where a team's rules, meeting schedule and minutes are, and who owns the hub.
import { style } from "./lib/style.js";
import { avatar } from "./lib/meta/util.js";
import { isHubUpdate, isWidgetUpdate } from "./lib/topics.js";

// No default for the links: an empty link is not an http(s) URL, and an absent one is shown
// as nothing.
const optionalLink = (help) => ({ type: "link", help });

export default {
  title: "Rules",
  description: "Links to the team's rules, meeting schedule and minutes, with the hub's owners.",
  params: {
    link: optionalLink("Link to the community rules and guidelines."),
    schedule_text: { type: "text", help: "Some text about when meetings are." },
    schedule_link: optionalLink("Link to a schedule for IRC meetings, etc."),
    minutes_link: optionalLink("Link to meeting minutes from past meetings."),
  },
  hints: { topics: ["hubs.widget.update", "hubs.hub.update"] },
  data(ctx, config) {
    return {
      link: config.link || "",
      schedule_text: config.schedule_text || "",
      schedule_link: config.schedule_link || "",
      minutes_link: config.minutes_link || "",
      // The avatar URLs are hashed here, once per rebuild, rather than in the template at every
      // render on both sides (a SHA-256 in JavaScript costs some 300 µs).
      owners: ctx.hub.owners.map((name) => ({ name, avatar: avatar(name) })),
    };
  },
  template(data, h) {
    const meetings = data.schedule_text || data.schedule_link || data.minutes_link;
    return h.html`${style(h, "list", "people")}<div class="rules">
  ${data.link ? h.html`<h4>Community rules</h4><p><a href="${data.link}">Community Rules and Guidelines</a></p>` : ""}
  <h4>Group owners</h4>
  ${data.owners.length === 0
    ? h.html`<p class="empty">This hub has no owner.</p>`
    : h.html`<ul class="people">${data.owners.map((o) => h.html`<li><img class="avatar" src="${o.avatar}" alt="" width="32" height="32"> <a href="${"/" + encodeURIComponent(o.name) + "/"}">${o.name}</a></li>`)}</ul>`}
  ${meetings ? h.html`<h4>Meetings</h4>
  ${data.schedule_text ? h.html`<p>${data.schedule_text}</p>` : ""}
  <p>${data.schedule_link ? h.html`<a href="${data.schedule_link}">Meeting Schedule</a>` : ""}${data.schedule_link && data.minutes_link ? " · " : ""}${data.minutes_link ? h.html`<a href="${data.minutes_link}">Past Meeting Minutes</a>` : ""}</p>` : ""}
</div>`;
  },
  shouldInvalidate(message, widget) {
    // A hub update may change the owners.
    return isWidgetUpdate(message, widget) || isHubUpdate(message, widget);
  },
};
