// synth: the target's spectrum and the oscillator's, in dB against Hz, and the fundamental
// and harmonics it has learned. Click the spectrum to start again from that fundamental;
// "listen" brings both sounds as WAV files, to play here.

import { base64, bytes, element, fillCanvas, floats, makeCanvas, pointer } from "../draw.js";

const W = 620, H = 300, LEFT = 44, BOTTOM = 22, FLOOR_DB = -80;
let canvas, readout, status, players, shown = null, axis = null;

export const hints = "<kbd>click</kbd> the spectrum to start again from that fundamental " +
  "(with <kbd>search</kbd> on, the loss is first weighed at many pitches, so any start finds it) · " +
  "<kbd>l</kbd> or <kbd>listen</kbd> to hear the target and the fit · <kbd>load WAV</kbd> a sound of your own to match";

export function setup(view) {
  canvas = makeCanvas(W, H, "spectra: click to start from that frequency");
  readout = element("p", { className: "mono" });
  status = element("p", { className: "scene-status", role: "status" });
  players = element("div", { className: "toolbar" });
  view.stage.append(wavPicker(view), status, readout, canvas, players);
  canvas.addEventListener("click", (e) => {
    if (!axis) return;
    const [u] = pointer(canvas, e);
    const hz = Math.round(axis.toHz(u));
    if (hz >= 20) view.send({ type: "set", key: "f0", value: Math.min(hz, 8000) });
  });
}

function wavPicker(view) {
  const file = element("input", { type: "file", accept: ".wav,audio/wav", hidden: true });
  const open = element("button", { type: "button", textContent: "load WAV" });
  open.addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    if (file.files[0]) view.send({ type: "load_wav", data: base64(new Uint8Array(await file.files[0].arrayBuffer())) });
    file.value = "";
  });
  return element("div", { className: "toolbar" }, open, file, "16-bit mono, up to 5 s");
}

export function key(view, e) {
  if (e.key === "l") view.send({ type: "listen" });
}

function audioUrl(sound) {
  return URL.createObjectURL(new Blob([bytes(sound)], { type: `audio/${sound.format}` }));
}

function showAudio(audio) {
  if (!audio || audio === shown) return;
  if (shown && audio.target.data === shown.target.data && audio.fitted.data === shown.fitted.data) return;   // listened again
  shown = audio;
  for (const old of players.querySelectorAll("audio")) URL.revokeObjectURL(old.src);
  players.replaceChildren(
    "target", element("audio", { controls: true, src: audioUrl(audio.target) }),
    "fitted", element("audio", { controls: true, src: audioUrl(audio.fitted) }));
}

function line(ctx, hz, db, colour, width, X, Y) {
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.beginPath();
  hz.forEach((f, i) => (i ? ctx.lineTo(X(f), Y(db[i])) : ctx.moveTo(X(f), Y(db[i]))));
  ctx.stroke();
}

export function draw(view, f) {
  const { hz, target } = f.spectrum, fitted = floats(f.fitted_db);   // the target's bands come once; the fitted sound's every frame
  const top = Math.max(...target, ...fitted) + 3, nyquist = f.rate / 2;
  const X = (v) => LEFT + (v / nyquist) * (W - LEFT - 8);
  const Y = (db) => 8 + ((top - Math.max(db, FLOOR_DB)) / (top - FLOOR_DB)) * (H - BOTTOM - 8);
  axis = { toHz: (u) => ((u - LEFT) / (W - LEFT - 8)) * nyquist };
  const ctx = fillCanvas(canvas, W, H);
  ctx.clearRect(0, 0, W, H);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#667085";
  ctx.strokeStyle = "#e4e7ec";
  for (let k = 0; k <= 4; k++) {
    const v = (k / 4) * nyquist;
    ctx.fillText(`${Math.round(v)} Hz`, Math.min(X(v) - 12, W - 52), H - 6);
  }
  for (const db of [0, -20, -40, -60]) {
    if (db > top) continue;
    ctx.beginPath(); ctx.moveTo(LEFT, Y(db)); ctx.lineTo(W - 8, Y(db)); ctx.stroke();
    ctx.fillText(`${db} dB`, 2, Y(db) + 4);
  }
  line(ctx, hz, target, "#c4cad4", 4, X, Y);   // wide, so that a fit lying on it still shows it
  line(ctx, hz, fitted, "#3b6fd8", 1.4, X, Y);
  ctx.strokeStyle = "#d43f6a";
  ctx.setLineDash([3, 3]);
  ctx.beginPath(); ctx.moveTo(X(f.f0), 8); ctx.lineTo(X(f.f0), H - BOTTOM); ctx.stroke();
  ctx.setLineDash([]);
  const what = f.mode === "fm" ? `index ${f.index.toFixed(3)} · amplitude ${f.amplitude.toFixed(3)}`
    : `harmonics ${f.amplitudes.map((a) => a.toFixed(2)).join(" ")}`;
  readout.textContent = `f0 ${f.f0.toFixed(2)} Hz (target's peak ${f.target_peak_hz.toFixed(1)} Hz) · ${what} · grey: target, blue: fit`;
  status.textContent = f.status;
  status.classList.toggle("status-bad", f.stalled);
  showAudio(f.audio);
}

export function series(f) {
  return { loss: f.loss };
}
