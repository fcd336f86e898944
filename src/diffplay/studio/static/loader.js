// The studio's modules where no server serves them (a notebook widget, an exported replay).
// Python (studio/modules.py) hands over each module's text and where its relative imports
// lead; this makes each module a blob URL, its specifiers rewritten to its imports' blob URLs,
// dependencies first, and imports it. One loader's modules are one set: a second loader (a
// second widget) gets its own, so no two widgets share a drawing module's state.
//
// This file is also the notebook widget's entry (anywidget's `_esm`): it loads notebook.js
// and the scene's drawing with one loader and hands over to it.

/** A function that imports a module of the bundle by its path under static/ ("page.js"). */
export function loader(bundle) {
  const urls = new Map();
  const url = (path) => {
    if (!urls.has(path)) {
      let text = bundle.files[path];
      if (text === undefined) throw new Error(`${path}: not in the bundle`);
      for (const [specifier, target] of Object.entries(bundle.imports[path] || {})) {
        text = text.replaceAll(`"${specifier}"`, `"${url(target)}"`);
      }
      urls.set(path, URL.createObjectURL(new Blob([text], { type: "text/javascript" })));
    }
    return urls.get(path);
  };
  return (path) => import(url(path));
}

export default {
  async render({ model, el }) {
    const bundle = model.get("bundle"), load = loader(bundle);
    const host = await load("notebook.js");
    return host.render({ model, el, load, files: bundle.files });
  },
};
