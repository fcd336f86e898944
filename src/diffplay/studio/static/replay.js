// A recorded run, replayed (`diffplay export NAME --html`): the page loop (page.js) fed from the
// frames saved in the file, with a slider to move through them and a button to play them. No
// server, no kernel: the page opens from a file, offline. Moving back starts the page over (a
// hello) and feeds it every frame up to the one chosen, so the plot holds the curve up to there.

import { element } from "./draw.js";
import { Page } from "./page.js";

const PLAY_MS = 50;   // 20 frames a second when playing

export function main(root, run, drawing) {
  const frames = run.frames, last = frames.length - 1;
  const page = new Page(root, { scene: run.hello.scene, drawing, transport: { send() {} }, keys: document, live: false });
  window.replay = page.state;   // for the browser tests
  const slider = element("input", { type: "range", min: 0, max: last, step: 1, value: 0, className: "scrubber-slider" });
  slider.setAttribute("aria-label", "frame");
  const play = element("button", { type: "button", className: "primary", textContent: "play" });
  const where = element("span", { className: "mono" });
  page.parts.stage.before(element("div", { className: "box scrubber" }, play, slider, where));

  let shown = -1, timer = null;
  const show = (i) => {
    const from = i > shown ? shown + 1 : 0;   // forward: the frames since; back: all of them again
    if (from === 0) page.receive(structuredClone(run.hello));
    for (let j = from; j <= i; j++) page.receive(frames[j]);
    shown = i;
    slider.value = i;
    page.status(`recorded · frame ${i + 1} of ${frames.length} · step ${page.latest.step}`);
    where.textContent = `step ${page.latest.step}`;
  };
  const stop = () => { clearInterval(timer); timer = null; play.textContent = "play"; };
  play.addEventListener("click", () => {
    if (timer) return stop();
    if (shown === last) show(0);
    play.textContent = "pause";
    timer = setInterval(() => (shown < last ? show(shown + 1) : stop()), PLAY_MS);
  });
  slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
  show(last);   // the run's end first: what it came to
}
