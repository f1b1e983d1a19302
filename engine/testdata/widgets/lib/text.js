// shout is what note.js shows; the hot reload test edits it to see dependents reload.
export function shout(s) {
  return String(s);
}
