// withDefaults returns config with every param's declared default filled in where the value
// is missing or empty. The edit form stores validated configs, but a config written
// elsewhere (store.Populate's layouts, an older version of the widget) may lack fields, and
// data() must not show "undefined" for them.
export function withDefaults(params, config) {
  const out = {};
  const given = config ?? {};
  // Indexed loops: goja's for-of makes an object per step, and this runs on every data().
  const names = Object.keys(given);
  for (let i = 0; i < names.length; i++) out[names[i]] = given[names[i]];
  const declared = Object.keys(params);
  for (let i = 0; i < declared.length; i++) {
    const name = declared[i];
    const v = out[name];
    if ((v === undefined || v === null || v === "") && params[name].default !== undefined) out[name] = params[name].default;
  }
  return out;
}

// required throws a clear error when a required param has no value: a widget just added to a
// hub runs with an empty config until its owner fills in the form.
export function required(config, ...names) {
  for (const name of names) {
    const v = config ? config[name] : undefined;
    if (v === undefined || v === null || v === "") throw new Error("this widget needs its " + name + " setting: edit the widget to set it");
  }
}
