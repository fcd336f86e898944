// Small helpers the scenes' drawing modules share: canvases, rasters, pointers, colours.

export const CLASS_COLOURS = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189]];

export function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** Whether the node has the keyboard's focus (in a widget's shadow root too, where
 *  document.activeElement is the widget's host element). */
export function focused(node) {
  return node.getRootNode().activeElement === node;
}

/** A canvas of w × h CSS pixels, drawn sharp on high-density screens; ctx works in CSS pixels. */
export function makeCanvas(w, h, label = "") {
  const canvas = element("canvas");
  sizeCanvas(canvas, w, h);
  if (label) canvas.setAttribute("aria-label", label);
  return canvas;
}

export function sizeCanvas(canvas, w, h) {
  canvas.logicalWidth = w;   // CSS may shrink the canvas to fit: pointer() maps back to these units
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  return backed(canvas, w, h);
}

/**
 * A scene's drawing of w × h units, as large as its stage allows: `share` of the stage's width
 * (less `gap` px, for drawings side by side), no taller than the window leaves room for, and
 * sharp at the screen's density. Its context draws in the w × h units; pointer() maps back.
 */
export function fillCanvas(canvas, w, h, share = 1, gap = 0) {
  const stage = canvas.closest(".stage");
  let scale = 1;
  if (stage) {
    const style = getComputedStyle(stage);
    const room = stage.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const tall = Math.max(240, window.innerHeight - 150);   // the header and a toolbar stay in view
    scale = Math.max(0.25, Math.min((room * share - gap) / w, tall / h));
  }
  canvas.logicalWidth = w;
  canvas.style.width = `${w * scale}px`;
  canvas.style.height = `${h * scale}px`;
  const ctx = backed(canvas, w * scale, h * scale);
  ctx.scale(scale, scale);
  return ctx;
}

/** A context on a canvas that CSS sizes (a width of 100%, say), sharp at its size on screen now. */
export function fitCanvas(canvas) {
  return backed(canvas, canvas.clientWidth || 300, canvas.clientHeight || 150);
}

/** The canvas's pixels made w × h CSS pixels at the screen's density; its context then draws in CSS pixels. */
function backed(canvas, w, h) {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/** Save text as a file named `name`, as a download the browser offers. */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = element("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The pointer's position in the units the canvas was sized in (its CSS pixels, before any shrinking). */
export function pointer(canvas, event) {
  const r = canvas.getBoundingClientRect();
  const k = (canvas.logicalWidth || r.width) / r.width;
  return [(event.clientX - r.left) * k, (event.clientY - r.top) * k];
}

/** The bytes of a frame's blob (scenes/blobs.py): its `data` is base64 text over the studio's
 *  WebSocket, and a binary buffer (a DataView) in a notebook. */
export function bytes(blob) {
  const data = blob.data;
  if (typeof data === "string") return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The uint8 pixels of a frame's raster ({width, height, channels, data}). */
export function pixels(raster) {
  return bytes(raster);
}

// A frame's array -> its numbers. A field that did not change is the very object the frame before
// had (page.js), and a replay shows its saved frames' objects again, so base64 is decoded once.
const decoded = new WeakMap();

/** The float32 numbers of a frame's array ({dtype: "float32", shape, data}), row-major. Read only:
 *  the same array gives the same Float32Array back on every call. */
export function floats(array) {
  let values = decoded.get(array);
  if (!values) {
    const b = bytes(array);
    const aligned = b.byteOffset % 4 === 0 ? b : b.slice();   // a Float32Array starts on a multiple of 4
    values = new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
    decoded.set(array, values);
  }
  return values;
}

/** An offscreen canvas holding a raster; `colour(pixels, i)` -> [r, g, b] for one pixel, if given. */
export function rasterCanvas(raster, colour = null, into = null) {
  const { width, height, channels } = raster;
  const data = pixels(raster);
  if (colour) return paintedCanvas(width, height, (i) => colour(data, i), into);
  if (channels >= 3) {
    const alpha = channels === 4 ? (i) => data[i * 4 + 3] : () => 255;
    return paintedCanvas(width, height, (i) => [data[i * channels], data[i * channels + 1], data[i * channels + 2], alpha(i)], into);
  }
  return paintedCanvas(width, height, (i) => [data[i], data[i], data[i]], into);
}

/** An offscreen canvas of width × height pixels, pixel i (row-major) coloured [r, g, b] or
 *  [r, g, b, a] by colour(i); `into`, a canvas of that size, is drawn again instead of a new one. */
export function paintedCanvas(width, height, colour, into = null) {
  const canvas = into && into.width === width && into.height === height ? into : element("canvas", { width, height });
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(width, height);
  const out = image.data;
  for (let i = 0, n = width * height; i < n; i++) {
    const rgb = colour(i);
    out[4 * i] = rgb[0]; out[4 * i + 1] = rgb[1]; out[4 * i + 2] = rgb[2];
    out[4 * i + 3] = rgb.length > 3 ? rgb[3] : 255;
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** Base64 of a Uint8Array (for rasters a page sends). */
export function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function rgb([r, g, b], alpha = 1) {
  return alpha === 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${alpha})`;
}

/** A linear map between a scene's rectangle [x0, x1] × [y0, y1] (y up) and a canvas of w × h. */
export function view(x0, x1, y0, y1, w, h) {
  const sx = w / (x1 - x0), sy = h / (y1 - y0);
  return {
    toCanvas: (x, y) => [(x - x0) * sx, (y1 - y) * sy],
    toScene: (u, v) => [x0 + u / sx, y1 - v / sy],
    scale: sx,
  };
}

/** A dashed circle around the origin: as far as an arm or a tree can reach. */
export function reachCircle(ctx, plane, reach) {
  const [ox, oy] = plane.toCanvas(0, 0);
  ctx.setLineDash([4, 4]);
  ctx.strokeStyle = "#d9dee7";
  ctx.beginPath();
  ctx.arc(ox, oy, reach * plane.scale, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.setLineDash([]);
}

export function fmt(value, digits = 4) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toPrecision(digits);
  return String(value);
}
