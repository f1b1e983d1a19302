// Development harness (node): scores conglomerate() against the examples.
//   node widgets/lib/meta/dev/conglomerate.mjs [--show] [--heldout]
import { readFileSync } from "node:fs";
import { conglomerate, setAccounts } from "../../meta.js";

const show = process.argv.includes("--show");
// The original conglomerate tests ran without an account table.
setAccounts({});
const FIELDS = ["subtitle", "link", "icon", "secondary_icon", "usernames", "packages", "topics", "categories", "start_time", "end_time", "timestamp"];
const same = (f, a, b) => {
  if (f === "timestamp" || f.endsWith("_time")) return typeof a === "number" && typeof b === "number" ? Math.abs(a - b) < 1e-6 : a === b;
  return JSON.stringify(a) === JSON.stringify(b);
};
let pass = 0, total = 0;
for (const line of readFileSync(new URL(process.argv.includes("--heldout") ? "../../../../runtime/testdata/meta/conglomerate_heldout.jsonl" : "../../../../testdata/fedmsg/conglomerate_examples.jsonl", import.meta.url).pathname, "utf8").split("\n")) {
  if (!line.trim()) continue;
  const ex = JSON.parse(line);
  total++;
  const got = conglomerate(ex.originals);
  const problems = [];
  if (got.length !== ex.expected.length) problems.push(`entries: expected ${ex.expected.length}, got ${got.length}`);
  for (let i = 0; i < Math.min(got.length, ex.expected.length); i++) {
    const e = ex.expected[i], g = got[i];
    for (const f of FIELDS) if (f in e && !same(f, e[f], g[f])) problems.push(`[${i}] ${f}\n      exp ${JSON.stringify(e[f])}\n      got ${JSON.stringify(g[f])}`);
  }
  // The examples' msg_ids were never checked by the original (its test
  // deleted them); check instead that every input message is covered once.
  const ids = got.flatMap((g) => g.msg_ids).sort();
  const want = ex.originals.map((o) => o.msg_id).sort();
  if (JSON.stringify(ids) !== JSON.stringify(want)) problems.push("msg_ids do not cover the input exactly once");
  if (!problems.length) pass++;
  console.log(`${problems.length ? "FAIL" : "ok  "} ${ex.source.class}`);
  if (show) for (const p of problems.slice(0, 8)) console.log("    " + p);
}
console.log(`${pass}/${total} conglomerate examples`);
