// An exported replay's start (replay.html's inline script, after loader.js's text): the modules
// and the run from the page's JSON, then replay.js with the scene's drawing.

const data = (id) => JSON.parse(document.getElementById(id).textContent);
const run = data("run"), load = loader(data("bundle"));
const [replay, drawing] = await Promise.all([load("replay.js"), load(run.drawing || "fallback.js")]);
replay.main(document.getElementById("page"), run, drawing);
