// Small style sheets for the widgets' own markup. A template puts the ones it needs in front
// of its markup (style(h, "feed")), so a widget looks right on any page that shows it, in the
// server's first paint and in the browser's re-renders alike. They use the page's colour
// variables (static/hubs.css), with fallbacks for a page without them.
const LINE = "var(--line, #e3e3e3)";
const MUTED = "var(--muted, #666)";

const SHEETS = {
  list: `.feed,.people,.media-list,.meetings,.badge-list{list-style:none;margin:0;padding:0}`,
  feed: `.feed-entry{display:flex;gap:.6rem;align-items:flex-start;padding:.45rem 0;border-top:1px solid ${LINE}}` +
    `.feed-entry:first-child{border-top:0}.feed-entry .avatar{border-radius:50%;flex:none}` +
    `.feed-time{color:${MUTED};font-size:.85rem}`,
  people: `.people li,.media-list li{display:flex;gap:.5rem;align-items:center;padding:.25rem 0}` +
    `.people .avatar,.media-list .avatar{border-radius:50%;flex:none}`,
  badges: `.badge-list{display:flex;flex-wrap:wrap;gap:.4rem}.badges .more{margin:.5rem 0 0}`,
  stats: `.stat-row{display:flex;gap:1.25rem;flex-wrap:wrap;margin:0 0 .6rem}` +
    `.stat{display:flex;flex-direction:column;align-items:center}` +
    `.stat-value{font-size:1.6rem;font-weight:600;line-height:1.2}.stat-label{color:${MUTED};font-size:.85rem}` +
    `.stats .hub-actions{margin:0;display:flex;gap:.5rem}`,
  meetings: `.meeting{padding:.3rem 0}.meeting+.meeting{border-top:1px solid ${LINE}}` +
    `.meeting p{margin:.2rem 0}.meeting-date{font-size:1.4rem}`,
  chart: `.fedmsgs{margin:0}.fedmsgs .legend{display:flex;gap:.75rem;flex-wrap:wrap;font-size:.85rem;color:${MUTED}}`,
  empty: `.empty{color:${MUTED}}`,
};

// style returns a <style> element holding the named sheets (and the shared "empty" one).
export function style(h, ...names) {
  const css = ["empty", ...names].map((n) => SHEETS[n] ?? "").join("");
  return h.safe("<style>" + css + "</style>");
}
