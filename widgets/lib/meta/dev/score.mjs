// Development harness (node): scores meta.js against the fixtures and prints
// mismatches. Not the test of record (that is the Go test in runtime/).
//   node widgets/lib/meta/dev/score.mjs [--svc NAME] [--field F] [--show]
import { readFileSync } from "node:fs";
import { meta, setAccounts } from "../../meta.js";

const args = process.argv.slice(2);
const opt = (k) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : null; };
const svcFilter = opt("--svc"), fieldFilter = opt("--field"), show = args.includes("--show");
const file = opt("--file") || new URL("../../../../testdata/fedmsg/meta_examples.jsonl", import.meta.url).pathname;
const FIELDS = ["title", "subtitle", "link", "icon", "secondary_icon", "usernames", "packages", "objects"];
const pad2 = (n) => String(n).padStart(2, "0");

function fillDynamic(rec) {
  if (!rec.dynamic_fields) return;
  const now = new Date();
  for (const d of rec.dynamic_fields) {
    const path = d.path.split(".");
    let o = rec.msg;
    for (let i = 0; i < path.length - 1; i++) o = o[path[i]];
    const last = path[path.length - 1];
    if (d.expr.includes("strftime")) o[last] = `${pad2(now.getUTCHours())}:${pad2(now.getUTCMinutes())}:${pad2(now.getUTCSeconds())}`;
    else o[last] = `${now.getUTCFullYear()}-${pad2(now.getUTCMonth() + 1)}-${pad2(now.getUTCDate())}`;
  }
}

const cache = JSON.parse(readFileSync(new URL("../testdata/fas_cache.json", import.meta.url), "utf8"));
delete cache._comment;
setAccounts(cache);
const totals = {}, perSvc = {};
for (const line of readFileSync(file, "utf8").split("\n")) {
  if (!line.trim()) continue;
  const rec = JSON.parse(line);
  fillDynamic(rec);
  const parts = rec.topic.split(".");
  const svc = parts.length > 3 ? parts[3] : parts[0];
  if (svcFilter && svc !== svcFilter) continue;
  const got = meta(rec.msg);
  for (const f of FIELDS) {
    if (!(f in rec.expected)) continue;
    const exp = rec.expected[f];
    const ok = JSON.stringify(exp) === JSON.stringify(got[f]);
    (totals[f] ||= [0, 0])[1]++; if (ok) totals[f][0]++;
    const s = (perSvc[svc] ||= {});
    (s[f] ||= [0, 0])[1]++; if (ok) s[f][0]++;
    if (!ok && show && (!fieldFilter || f === fieldFilter)) {
      console.log(`${rec.topic} [${f}]\n   exp: ${JSON.stringify(exp)}\n   got: ${JSON.stringify(got[f])}`);
    }
  }
}
const cell = (v) => v ? `${v[0]}/${v[1]}` : "-";
console.log("service".padEnd(18) + FIELDS.map((f) => f.slice(0, 9).padStart(10)).join(""));
for (const svc of Object.keys(perSvc).sort()) {
  console.log(svc.padEnd(18) + FIELDS.map((f) => cell(perSvc[svc][f]).padStart(10)).join(""));
}
console.log("TOTAL".padEnd(18) + FIELDS.map((f) => cell(totals[f]).padStart(10)).join(""));
console.log("PCT".padEnd(18) + FIELDS.map((f) => totals[f] ? (100 * totals[f][0] / totals[f][1]).toFixed(1).padStart(10) : "-".padStart(10)).join(""));
