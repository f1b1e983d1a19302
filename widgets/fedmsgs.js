// Weekly activity: a person's bus messages of the last twelve weeks, week by week and
// service by service, drawn here as an inline SVG stacked bar chart (the original asked
// datagrepper's chart service for a picture; we count in our own archive).
import { style } from "./lib/style.js";
import { required } from "./lib/config.js";
import { usernames } from "./lib/meta.js";
import { isWidgetUpdate, shortTopic } from "./lib/topics.js";

const WEEK = 7 * 24 * 3600;
const WEEKS = 12;
const TOP = 4; // services drawn in their own colour; the rest are "other"
const COLOURS = ["#3c6eb4", "#79da4c", "#e59728", "#db3279", "#a0a0a0"];

export default {
  title: "Weekly Activity",
  description: "A person's weekly bus activity over twelve weeks, by service, as an inline chart.",
  params: {
    username: { type: "username", required: true, help: "A FAS username." },
  },
  // Any topic naming the person (hints are AND-ed: a topic list would shut out the bus).
  hints: { usernames: (config) => (config.username ? [config.username] : []) },
  async data(ctx, config) {
    required(config, "username");
    const end = Math.floor(ctx.now().getTime() / 1000);
    const start = end - WEEKS * WEEK;
    // One question to the archive: the person's messages counted week by week and service
    // by service.
    const hist = await ctx.messages.histogram({ usernames: [config.username], start, end, step: WEEK });
    // The services drawn on their own are the person's most frequent over the twelve weeks
    // (a message without a category is counted under "other").
    // (for-in, not for-of over Object.entries: goja makes an object per step of for-of and
    // per destructured pair, most of what this loop allocated.)
    const freq = new Map();
    for (const b of hist.buckets) {
      for (const c in b.categories) if (c) freq.set(c, (freq.get(c) || 0) + b.categories[c]);
    }
    const top = [...freq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP).map((e) => e[0]);
    // A loop inside, not top.map and reduce: goja makes each arrow function afresh per week.
    const weeks = hist.buckets.map((b) => {
      const counts = [];
      let rest = b.total;
      for (let k = 0; k < top.length; k++) {
        const n = b.categories[top[k]] || 0;
        counts.push(n);
        rest -= n;
      }
      counts.push(rest);
      return { start: b.start, total: b.total, counts };
    });
    return { username: config.username, categories: top.concat(["other"]), weeks, total: hist.total };
  },
  template(data, h) {
    if (data.total === 0) return h.html`<p class="empty">No activity from ${data.username} in the last twelve weeks.</p>`;
    const W = 360, H = 140, pad = 18, n = data.weeks.length;
    const max = Math.max(1, ...data.weeks.map((w) => w.total));
    const bw = (W - pad) / n;
    const scale = (H - pad) / max;
    const bars = data.weeks.map((w, i) => {
      let y = H - pad;
      const parts = w.counts.map((c, k) => {
        if (c <= 0) return "";
        const hgt = c * scale;
        y -= hgt;
        return h.html`<rect x="${(pad + i * bw + 1).toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${hgt.toFixed(1)}" fill="${COLOURS[Math.min(k, COLOURS.length - 1)]}"></rect>`;
      });
      const label = "week of " + new Date(w.start * 1000).toISOString().slice(0, 10) + ": " + w.total + " messages";
      return h.html`<g><title>${label}</title>${parts}</g>`;
    });
    return h.html`${style(h, "chart")}<figure class="fedmsgs">
  <svg viewBox="${"0 0 " + W + " " + H}" width="100%" role="img" aria-label="${data.username + "'s messages per week, last twelve weeks"}">
    <line x1="${pad}" y1="${H - pad}" x2="${W}" y2="${H - pad}" stroke="#999"></line>
    <text x="0" y="12" font-size="10" fill="#666">${h.commas(max)}</text>
    <text x="${pad}" y="${H - 4}" font-size="10" fill="#666">12 weeks ago</text>
    <text x="${W}" y="${H - 4}" font-size="10" fill="#666" text-anchor="end">this week</text>
    ${bars}
  </svg>
  <figcaption class="legend">${data.categories.map((c, k) => h.html`<span class="legend-item"><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${COLOURS[Math.min(k, COLOURS.length - 1)]}"></rect></svg> ${c}</span> `)}</figcaption>
</figure>`;
  },
  shouldInvalidate(message, widget) {
    if (isWidgetUpdate(message, widget)) return true;
    if (shortTopic(message).startsWith("hubs.")) return false;
    return usernames(message).includes(widget.config.username);
  },
};
