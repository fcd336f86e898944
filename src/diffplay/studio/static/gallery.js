// The gallery: one card per scene the server offers (from /api/scenes), and the way to the
// learn section's chapters.

const HUES = ["#3b6fd8", "#e07b28", "#2f9e5b", "#c2410c", "#7c4dcc", "#0e9aa7", "#d43f6a", "#8a6d1d", "#4b5563"];

function card(scene, index) {
  const link = document.createElement("a");
  link.className = "card";
  link.href = `/scene.html?name=${encodeURIComponent(scene.name)}`;
  link.dataset.scene = scene.name;
  link.style.setProperty("--hue", HUES[index % HUES.length]);
  if (scene.thumbnail) {
    const picture = document.createElement("img");
    picture.src = scene.thumbnail;
    picture.alt = `a picture of the ${scene.name} scene`;
    link.append(picture);
  }
  const title = document.createElement("h2");
  title.textContent = scene.name;
  const about = document.createElement("p");
  about.textContent = scene.title;
  const own = Object.keys(scene.events.variants).filter((t) => !["set", "reset", "pause", "resume"].includes(t));
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `${scene.settings.length} settings · ${own.length ? own.join(", ") : "no events of its own"}`;
  link.append(title, about, meta);
  return link;
}

function learnBanner(chapters) {
  const link = document.createElement("a");
  link.className = "learn-banner";
  link.href = "/learn.html";
  const title = document.createElement("h2");
  title.textContent = "Learn microgpt and autograd, live →";
  const about = document.createElement("p");
  about.textContent = `${chapters.length} chapters: ${chapters.map((c) => c.title.split(":")[0]).join(" · ")}`;
  link.append(title, about);
  return link;
}

async function main() {
  const response = await fetch("/api/scenes");
  const all = await response.json();
  const scenes = all.filter((s) => s.section === "scenes"), chapters = all.filter((s) => s.section === "learn");
  const gallery = document.getElementById("gallery");
  if (chapters.length) gallery.append(learnBanner(chapters));
  gallery.append(...scenes.map(card));
  const status = await (await fetch("/api/status")).json();
  document.getElementById("status").textContent =
    `${scenes.length} scenes · ${status.sessions} running · up to ${status.limits.max_sessions} at once`;
}

main();
