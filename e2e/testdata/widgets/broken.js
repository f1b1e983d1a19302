// A widget whose data always fails: the error panel test.
export default {
  title: "Broken",
  data() {
    throw new Error("kaput: the upstream is down");
  },
  template(data, h) {
    return h.html`<p>${data}</p>`;
  },
};
