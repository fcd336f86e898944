"""A run carried out of the studio and back: a page's "save" answers with the run's record and
link, a "load" replays one in the session, bit for bit, and what a page may load is checked."""

import asyncio
import base64
import json
import zlib

import pytest

from diffplay.scenes import registry
from diffplay.scenes.record import link_of, record_of, replay
from studio_helpers import Client, serve


@pytest.fixture(scope="module")
def server():
    with serve() as (url, _):
        yield url


def run(coroutine):
    return asyncio.run(coroutine)


async def _ask(client, message):
    """Send a message of the page's own (save, load) and return the answer to it."""
    await client.socket.send(json.dumps({**message, "id": 900 + len(client.errors)}))
    return await client.until(lambda m: m["type"] in ("record", "error") and m.get("id") == 900 + len(client.errors))


async def _exported_weights(client):
    event_id = await client.send({"type": "export", "format": "json"})
    frame = await client.frame_after(event_id)
    return json.loads(frame["frame"]["download"]["text"])["layers"]


async def _played(url):
    """A boundary run with points, a setting and pieces between them, paused: its record and weights."""
    client = await Client.open(url, "boundary")
    await client.until(lambda m: m["type"] == "frame")
    await client.send({"type": "add_point", "x": 1.5, "y": -2.0, "label": 1})
    await client.send({"type": "set", "key": "lr", "value": 0.3})
    await client.until(lambda m: m["type"] == "frame" and m["frame"]["step"] > 40)
    paused = await client.send({"type": "pause"})
    await client.frame_after(paused)
    answer = await _ask(client, {"type": "save"})
    weights = await _exported_weights(client)
    await client.close()
    return answer, weights


async def _loaded(url, source):
    """A fresh boundary page that loads `source` ({record} or {link}): the frame once it is back, its weights, its record."""
    client = await Client.open(url, "boundary")
    await client.until(lambda m: m["type"] == "frame")
    await client.socket.send(json.dumps({"type": "load", "id": 1, **source}))
    back = await client.until(lambda m: m["type"] == "frame" and m["stats"].get("replayed") == 1, what="the replayed run")
    weights = await _exported_weights(client)
    again = await _ask(client, {"type": "save"})
    await client.close()
    return back, weights, again


def test_a_saved_run_loads_into_a_new_page_with_the_same_weights_bit_for_bit(server):
    answer, weights = run(_played(server))
    record = answer["record"]
    assert answer["type"] == "record" and record["scene"] == "boundary" and record["pieces"] > 40
    assert [event["type"] for _, event in record["history"]] == ["add_point", "set", "pause"]   # no export: it changed nothing
    for source in ({"record": record}, {"link": answer["link"]}):
        back, loaded, again = run(_loaded(server, source))
        assert loaded == weights   # every float, exactly (the export writes each one's repr)
        assert back["frame"]["paused"] and not back["stats"]["moving"]
        assert again["record"] == record and again["link"] == answer["link"]
    # and the same run, replayed here without the studio, ends at the same weights
    here = replay(record, registry.load("boundary"))
    assert [layer.weight.data.tolist() for layer in here.model.linears] == [layer["weight"] for layer in weights]


def test_a_link_is_the_record_deflated_and_small(server):
    answer, _ = run(_played(server))
    assert json.loads(zlib.decompress(base64.urlsafe_b64decode(answer["link"] + "=="))) == answer["record"]
    assert len(answer["link"]) < len(json.dumps(answer["record"]))


def _bomb():
    return base64.urlsafe_b64encode(zlib.compress(b"[" + b" " * (64 << 20) + b"]", 9)).decode()


@pytest.mark.parametrize("scene, source, message", [
    ("canvas", {"record": {"record": "diffplay scene", "version": 1, "scene": "canvas", "seed": 0, "pieces": 0,
                           "history": [], "settings": {"image": "/etc/passwd"}}},
     "record.settings.image: a page's record may not set it"),
    ("boundary", {"link": "not a link!"}, "link: not a run's link"),
    ("boundary", {"link": _bomb()}, "link: its record is longer than 8,388,608 bytes"),
    ("boundary", {"record": {"record": "diffplay scene", "version": 1, "scene": "ik", "seed": 0, "pieces": 0,
                             "history": [], "settings": {}}}, "record.scene: the record is of scene 'ik', not boundary"),
    ("boundary", {"record": {"record": "diffplay scene", "version": 1, "scene": "boundary", "seed": 0, "pieces": 5,
                             "history": [[3, {"type": "fly"}]], "settings": {}}}, "record.history[0][1]: event.type"),
    ("boundary", {}, "load: give the record or its link, one of them"),
])
def test_a_bad_load_is_refused_naming_what_is_wrong_and_the_run_goes_on(server, scene, source, message):
    async def attempt():
        client = await Client.open(server, scene)
        first = await client.until(lambda m: m["type"] == "frame")
        await client.socket.send(json.dumps({"type": "load", "id": 5, **source}))
        refused = await client.error_for(5)
        event_id = await client.send({"type": "pause"})
        after = await client.frame_after(event_id)   # the session lives on, with its own run
        await client.close()
        return refused, first, after

    refused, first, after = run(attempt())
    assert message in refused["message"]
    assert after["frame"]["step"] >= first["frame"]["step"] and after["frame"]["paused"]


def test_a_long_run_comes_back_a_slice_at_a_time_refusing_events_till_it_is_back(server):
    scene = registry.load("boundary")(seed=3)
    scene.handle({"type": "pause"})
    scene.pieces = 3000   # a record of 3,000 pieces, then paused (what a page would save after a while)
    record = record_of(scene)
    record["history"] = [[3000, {"type": "pause"}]]

    async def attempt():
        client = await Client.open(server, "boundary")
        await client.until(lambda m: m["type"] == "frame")
        await client.socket.send(json.dumps({"type": "load", "id": 1, "record": record}))
        midway = await client.until(lambda m: m["type"] == "frame" and 0 < m["stats"].get("replayed", 0) < 1,
                                    what="a frame of the run coming back")
        refused_id = await client.send({"type": "add_point", "x": 0, "y": 0, "label": 0})
        refused = await client.error_for(refused_id)
        back = await client.until(lambda m: m["type"] == "frame" and m["stats"].get("replayed") == 1, what="the end")
        await client.close()
        return midway, refused, back

    midway, refused, back = run(attempt())
    assert "still being replayed" in refused["message"]
    assert midway["frame"]["step"] < back["frame"]["step"] and back["frame"]["paused"]
    assert back["frame"]["step"] == replay(record, registry.load("boundary")).steps
