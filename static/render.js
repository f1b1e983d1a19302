// render: putting a widget's new HTML in place without disturbing the reader.
//
// A widget that changes height above what the reader is looking at would push the page
// around, and replacing its HTML would drop the focus of a link or field inside it. So
// before a swap the position of an anchor (the first widget still in view) and the
// focused element are noted, and restored after it.

const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

// shown holds the HTML each section shows now, so an update with the same HTML is a no-op.
const shown = new WeakMap();

// renderInto replaces the body of a widget section with html, keeping the scroll position
// and the focus. It returns whether anything changed.
export function renderInto(section, html) {
  const body = section.querySelector(".widget-body");
  if (!body) return false;
  if (shown.get(section) === html) return false;
  const anchor = viewportAnchor(section.ownerDocument);
  const before = anchor ? anchor.getBoundingClientRect().top : 0;
  const focus = saveFocus(body);
  body.innerHTML = html;
  shown.set(section, html);
  restoreFocus(body, focus);
  if (anchor && anchor.isConnected) {
    const shift = anchor.getBoundingClientRect().top - before;
    if (shift !== 0) window.scrollBy(0, shift);
  }
  return true;
}

// viewportAnchor is the first widget whose bottom is below the top of the viewport: the
// thing the reader is looking at, whose place on screen must not move.
function viewportAnchor(doc) {
  for (const s of doc.querySelectorAll("section.widget")) {
    if (s.getBoundingClientRect().bottom > 0) return s;
  }
  return null;
}

// saveFocus describes the focused element inside body, if any, in a way that finds its
// counterpart in the new HTML: by id, else by name, else by position among focusables.
function saveFocus(body) {
  const el = body.ownerDocument.activeElement;
  if (!el || el === body || !body.contains(el)) return null;
  const all = Array.from(body.querySelectorAll(FOCUSABLE));
  const f = { id: el.id, name: el.getAttribute("name"), index: all.indexOf(el), tag: el.tagName };
  if ("selectionStart" in el) {
    try {
      f.value = el.value;
      f.start = el.selectionStart;
      f.end = el.selectionEnd;
    } catch { /* inputs without a selection (checkbox) throw */ }
  }
  return f;
}

function restoreFocus(body, f) {
  if (!f) return;
  let el = null;
  if (f.id) el = body.querySelector("#" + CSS.escape(f.id));
  if (!el && f.name) el = body.querySelector(`[name="${CSS.escape(f.name)}"]`);
  if (!el && f.index >= 0) {
    const cand = body.querySelectorAll(FOCUSABLE)[f.index];
    if (cand && cand.tagName === f.tag) el = cand;
  }
  if (!el) return;
  el.focus({ preventScroll: true });
  if (f.value !== undefined && el.value === f.value && f.start != null) {
    try { el.setSelectionRange(f.start, f.end); } catch { /* not a text field */ }
  }
}

// setStatus shows a line above a widget's body (stale data, an error), or clears it.
export function setStatus(section, text) {
  const st = section.querySelector(".widget-status");
  if (st) st.textContent = text || "";
  section.classList.toggle("stale", Boolean(text));
}

// showError replaces a widget's body with an error panel (the text is set as text: a
// message may hold anything).
export function showError(section, text) {
  const body = section.querySelector(".widget-body");
  if (!body) return;
  const div = section.ownerDocument.createElement("div");
  div.className = "widget-error";
  div.setAttribute("role", "alert");
  div.textContent = text;
  body.replaceChildren(div);
  shown.delete(section);
  section.classList.add("failed");
}
