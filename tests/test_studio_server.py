"""The studio server, for real: `diffplay serve` on a loopback port, driven by a WebSocket client."""

import asyncio
import json
import socket
import threading
import urllib.error
import urllib.request

import pytest
import websockets

from diffplay.scenes import registry
from diffplay.studio import channel
from diffplay.studio.limits import Limits
from studio_helpers import Client, get_json, point_columns, refusal, serve, session_processes, wait_until, ws_url


@pytest.fixture(scope="module")
def server():
    with serve() as (url, process):
        yield url, process


def run(coroutine):
    return asyncio.run(coroutine)


# ---- pages and the scene list ----

def test_gallery_page_is_served_with_a_strict_content_policy(server):
    url, _ = server
    with urllib.request.urlopen(url) as response:
        page = response.read().decode()
        policy = response.headers["content-security-policy"]
    assert "diffplay studio" in page and "gallery.js" in page
    assert "default-src 'self'" in policy and "unsafe" not in policy


@pytest.mark.parametrize("path", ["../server.py", "%2e%2e/server.py", "scenes/../../session.py", "..%2fsession.py"])
def test_files_outside_the_static_folder_are_not_served(server, path):
    url, _ = server
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + path)
    assert refused.value.code == 404


def test_scene_list_describes_every_scene_and_the_layout_editor(server):
    url, _ = server
    scenes = get_json(url + "api/scenes")
    assert [s["name"] for s in scenes] == registry.names()   # the scenes, then the learn chapters
    assert "layout" in registry.names() and "boundary" in registry.names()
    for scene in scenes:
        assert {"settings", "events", "frame"} <= scene.keys()
        assert {"set", "reset", "pause", "resume"} <= scene["events"]["variants"].keys()


def test_every_scene_card_has_a_small_picture_that_is_served(server):
    url, _ = server
    for scene in get_json(url + "api/scenes"):
        if scene["section"] != "scenes":
            continue   # the learn chapters are listed as text, not as cards
        assert scene["thumbnail"], f"{scene['name']} has no picture (python -m diffplay.studio.thumbnails)"
        with urllib.request.urlopen(url + scene["thumbnail"].lstrip("/")) as response:
            picture = response.read()
            kind = response.headers["content-type"]
        assert kind.startswith("image/") and 100 < len(picture) < 30_000, (scene["name"], kind, len(picture))


# ---- a live session ----

async def _first_frames(url):
    client = await Client.open(url, "boundary")
    hello = await client.receive()
    frame = await client.until(lambda m: m["type"] == "frame")
    await client.close()
    return hello, frame


def test_a_session_says_hello_with_its_controls_then_sends_frames(server):
    hello, frame = run(_first_frames(server[0]))
    assert hello["type"] == "hello" and hello["scene"]["name"] == "boundary"
    assert hello["values"]["dataset"] == "circle"
    assert frame["frame"]["scene"] == "boundary" and frame["id"] >= 1
    assert frame["stats"]["budget_ms"] <= Limits().step_budget_s * 1000


async def _unacknowledged(url):
    client = await Client.open(url, "boundary")
    await client.receive()
    got = []
    try:
        while True:
            got.append(await client.receive(ack=False, timeout=1.5))
    except asyncio.TimeoutError:
        pass
    await client.socket.send(json.dumps({"type": "drawn", "frame": got[-1]["id"]}))
    more = await client.receive(ack=False, timeout=5)
    await client.close()
    return got, more


def test_a_page_that_draws_nothing_gets_no_more_than_the_window_then_more_once_it_draws(server):
    got, more = run(_unacknowledged(server[0]))
    assert len([m for m in got if m["type"] == "frame"]) == Limits().window
    assert more["type"] == "frame" and more["id"] == got[-1]["id"] + 1


async def _add_point(url):
    client = await Client.open(url, "boundary")
    first = await client.until(lambda m: m["type"] == "frame")
    event_id = await client.send({"type": "add_point", "x": 1.5, "y": -2.0, "label": 1})
    after = await client.frame_after(event_id)
    await client.close()
    return first["frame"], after["frame"]


def test_an_event_shows_in_the_frames_made_after_it(server):
    before, after = run(_add_point(server[0]))
    before, after = point_columns(before["points"]), point_columns(after["points"])
    assert len(after["x"]) == len(before["x"]) + 1
    assert {column: values[-1] for column, values in after.items()} == {"x": 1.5, "y": -2.0, "label": 1, "test": False}


async def _unchanged_fields(url):
    client = await Client.open(url, "boundary")
    first = await client.until(lambda m: m["type"] == "frame")
    later = await client.until(lambda m: m["type"] == "frame" and m["frame"]["step"] > first["frame"]["step"])
    event_id = await client.send({"type": "add_point", "x": 1.5, "y": -2.0, "label": 1})
    after = await client.frame_after(event_id)
    await client.close()
    return first, later, after


def test_a_frame_leaves_out_the_fields_that_did_not_change_and_names_them(server):
    first, later, after = run(_unchanged_fields(server[0]))
    assert first["same"] == []   # the first frame is whole
    assert {"points", "classes", "extent"} <= set(later["same"]) and "grid" not in later["same"]   # it trains
    assert "points" not in after["same"] and len(point_columns(after["frame"]["points"])["x"]) == len(point_columns(later["frame"]["points"])["x"]) + 1
    assert set(later["frame"]) == set(first["frame"])   # the client merged the rest back in


async def _rest(url):
    client = await Client.open(url, "ik")
    rested = await client.until(lambda m: m["type"] == "frame" and not m["stats"]["moving"], what="a settled arm")
    with pytest.raises(asyncio.TimeoutError):
        await client.receive(timeout=1.0)   # at rest: nothing to send
    event_id = await client.send({"type": "drag", "x": -0.4, "y": 0.5})
    moved = await client.frame_after(event_id)
    await client.close()
    return rested["frame"], moved["frame"]


def test_a_scene_at_rest_sends_no_frames_until_an_event_moves_it(server):
    rested, moved = run(_rest(server[0]))
    assert rested["reached"] and moved["reached"]
    assert moved["target"] == {"x": -0.4, "y": 0.5} and moved["step"] == rested["step"] + 1


async def _bad_then_good(url):
    client = await Client.open(url, "boundary")
    bad = await client.send({"type": "add_point", "x": 100, "y": 0, "label": 0})
    error = await client.error_for(bad)
    typo = await client.send({"type": "add_pont", "x": 1, "y": 0, "label": 0})
    typo_error = await client.error_for(typo)
    good = await client.send({"type": "add_point", "x": 1, "y": 0, "label": 0})
    frame = await client.frame_after(good)
    await client.close()
    return error, typo_error, frame


def test_a_bad_event_gets_an_error_naming_the_field_and_the_session_goes_on(server):
    error, typo_error, frame = run(_bad_then_good(server[0]))
    assert error["message"].startswith("event.x: must be in [-6.0, 6.0], got 100")
    assert 'did you mean "add_point"' in typo_error["message"]
    assert point_columns(frame["frame"]["points"])["x"][-1] == 1


async def _bad_expression(url):
    client = await Client.open(url, "graph")
    bad = await client.send({"type": "set", "key": "expression", "value": "a = 1\nb = a +"})
    error = await client.error_for(bad)
    other = await client.send({"type": "backward_step"})
    await client.frame_after(other)
    refused = await client.send({"type": "set", "key": "autoplay", "value": "yes"})
    plain = await client.error_for(refused)
    await client.close()
    return error, plain


def test_an_expression_error_says_its_line_and_column_for_the_page_to_point_at(server):
    error, plain = run(_bad_expression(server[0]))
    assert error["at"] == {"line": 2, "column": 8} and error["message"].startswith("expression: line 2, column 8:")
    assert "at" not in plain   # an error with no place in a text has none


async def _malformed(url, limit):
    client = await Client.open(url, "graph")
    await client.until(lambda m: m["type"] == "frame")
    messages = ["{not json", b"\x00\x01binary", json.dumps({"type": "shout"}), json.dumps({"type": "event", "event": {}}),
                json.dumps({"type": "event", "id": 1, "event": {"type": "set", "key": "expression", "value": "x" * limit}}),
                "[" * 100_000 + "]" * 100_000]
    errors = []
    for message in messages:
        await client.socket.send(message)
        errors.append(await client.until(lambda m: m["type"] == "error"))
    event_id = await client.send({"type": "backward_step"})
    frame = await client.frame_after(event_id)
    await client.close()
    return errors, frame


def test_malformed_and_oversized_messages_get_errors_and_the_session_goes_on(server):
    limit = Limits().max_message_bytes
    errors, frame = run(_malformed(server[0], limit))
    said = [e["message"] for e in errors]
    assert said[0].startswith("message: not JSON")
    assert said[1] == "message: expected a JSON text message, got binary data"
    assert said[2].startswith('message.type: unknown "shout"')
    assert said[3] == "message.id: missing"
    assert said[4].startswith("message: ") and f"more than the limit of {limit}" in said[4]
    assert said[5].startswith("message: ")   # nested too deep for the parser, or too big
    assert frame["frame"]["cursor"] == 1


async def _flood(url, count):
    client = await Client.open(url, "graph")
    await client.until(lambda m: m["type"] == "frame")
    for _ in range(count):
        await client.socket.send(json.dumps({"type": "drawn", "frame": 0}))
    refused = await client.until(lambda m: m["type"] == "error")
    await asyncio.sleep(1.0)   # the bucket refills
    event_id = await client.send({"type": "backward_step"})
    frame = await client.frame_after(event_id)
    await client.close()
    return refused, frame


def test_a_flood_of_messages_is_refused_past_the_rate_limit_and_then_served_again(server):
    refused, frame = run(_flood(server[0], Limits().message_burst + 50))
    assert "messages a second" in refused["message"]
    assert frame["frame"]["cursor"] >= 1


async def _set_file(url, scene, key, value):
    client = await Client.open(url, scene)
    hello = await client.until(lambda m: m["type"] == "hello")
    event_id = await client.send({"type": "set", "key": key, "value": value})
    error = await client.error_for(event_id)
    await client.close()
    return hello, error


@pytest.mark.parametrize("scene, key", [("canvas", "image"), ("gpt", "data")])
def test_a_page_cannot_point_a_scene_at_a_file_on_the_server(server, scene, key):
    hello, error = run(_set_file(server[0], scene, key, "/etc/passwd"))
    assert key not in [s["name"] for s in hello["scene"]["settings"]]   # so the page draws no control for it
    assert error["message"].startswith(f'event.key: setting "{key}" of scene {scene} can only be given on the command line')


def test_an_unknown_scene_is_refused_with_the_list_of_scenes(server):
    message, code = run(refusal(server[0], "boundry"))
    assert message["type"] == "error" and 'did you mean "boundary"' in message["message"]
    assert code == 1008


def test_a_bad_seed_is_refused(server):
    message, code = run(refusal(server[0], "boundary", "seed=-3"))
    assert message["message"].startswith("seed: must be in [0,")
    assert code == 1008


async def _cross_site(url):
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(ws_url(url, "boundary"), origin="http://evil.example")
    return refused.value.response.status_code


def test_a_page_from_another_site_cannot_open_a_scene(server):
    assert run(_cross_site(server[0])) == 403


async def _open_and_close(url, process):
    client = await Client.open(url, "gpt")
    await client.until(lambda m: m["type"] == "frame")
    during = session_processes(process.pid)
    await client.close()
    return during


def test_closing_the_socket_ends_the_session_and_its_process(server):
    url, process = server
    during = run(_open_and_close(url, process))
    assert len(during) >= 1
    wait_until(lambda: get_json(url + "api/status")["sessions"] == 0, 10, "the session to end")
    wait_until(lambda: not set(during) & set(session_processes(process.pid)), 10, "the session process to exit")


# ---- limits on sessions ----

async def _over_the_limit(url):
    first, second = await Client.open(url, "graph"), await Client.open(url, "graph")
    for client in (first, second):
        await client.until(lambda m: m["type"] == "frame")
    third = await Client.open(url, "graph")
    refusal = await third.receive()
    await first.close()
    await asyncio.sleep(0.5)
    fourth = await Client.open(url, "graph")
    frame = await fourth.until(lambda m: m["type"] in ("frame", "error"))
    for client in (second, third, fourth):
        await client.close()
    return refusal, frame


def test_sessions_past_the_limit_are_refused_until_one_closes():
    with serve("--max-sessions", "2") as (url, _):
        refusal, frame = run(_over_the_limit(url))
    assert refusal["type"] == "error" and "its limit" in refusal["message"]
    assert frame["type"] == "frame"


# ---- the layout editor ----

async def _drag(url):
    client = await Client.open(url, "layout")
    hello = await client.until(lambda m: m["type"] == "hello")
    settled = await client.until(lambda m: m["type"] == "frame" and m["frame"]["settled"], 60, "a settled diagram")
    shapes = {s["name"]: s for s in settled["frame"]["shapes"]}
    x, y = shapes["D"]["center"]
    target = (x + 25.0, y + 15.0)
    await client.send({"type": "drag", "shape": "D", "x": x + 10, "y": y + 5})
    last = await client.send({"type": "drag", "shape": "D", "x": target[0], "y": target[1]})
    dragged = await client.until(lambda m: m["type"] == "frame" and m["events"] >= last and m["frame"]["settled"],
                                 60, "the drag to settle")
    await client.close()
    return hello, settled["frame"], dragged["frame"], target


def test_a_dragged_layout_shape_follows_the_pointer_and_the_diagram_stays_feasible(server):
    hello, before, after, target = run(_drag(server[0]))
    assert before["feasible"] and before["source"] == "euler.toml"
    center = {s["name"]: s["center"] for s in after["shapes"]}["D"]
    assert after["dragging"] == "D"
    assert center == pytest.approx(list(target), abs=0.5)
    assert after["feasible"] and after["violations"] == []
    assert after["svg"].startswith("<svg")


async def _layout_errors(url, bad_spec, infeasible_spec):
    client = await Client.open(url, "layout")
    await client.until(lambda m: m["type"] == "frame")
    bad = await client.send({"type": "open", "name": "mine.toml", "text": bad_spec})
    error = await client.error_for(bad)
    opened = await client.send({"type": "open", "name": "clash.toml", "text": infeasible_spec})
    frame = await client.until(lambda m: m["type"] == "frame" and m["events"] >= opened and m["frame"]["settled"],
                               60, "the infeasible diagram to settle")
    await client.close()
    return error, frame["frame"]


BAD_SPEC = '[shapes]\nA = { kind = "circle" }\n\n[[constraints]]\ndisjont = ["A", "A"]\n'
CLASH_SPEC = '''[canvas]
width = 200
height = 150

[shapes]
A = { kind = "circle", r = 70 }
B = { kind = "circle", r = 70 }

[[constraints]]
disjoint = ["A", "B"]
'''


def test_a_layout_spec_error_names_file_and_line_and_violated_constraints_are_named(server):
    error, frame = run(_layout_errors(server[0], BAD_SPEC, CLASH_SPEC))
    assert error["message"].startswith("mine.toml:5: ") and 'did you mean "disjoint"' in error["message"]
    assert frame["source"] == "clash.toml" and not frame["feasible"]
    assert frame["violations"] and frame["violated"] == len(frame["violations"])
    for violation in frame["violations"]:   # the solver may give up on either side of the clash
        assert violation["constraint"] in ("disjoint(A, B)", "on_canvas(A) [implicit]", "on_canvas(B) [implicit]")
        assert violation["where"] in ("clash.toml:10", "")


# ---- the line to a session process ----

async def _across(big):
    ours, theirs = socket.socketpair()
    session = channel.Channel(theirs)
    sender = threading.Thread(target=lambda: [session.send(kind, text) for kind, text in (("F", big), ("M", "{}"))])
    sender.start()   # a message bigger than the socket's buffer: the server reads it in pieces
    reader, writer = await asyncio.open_unix_connection(sock=ours)
    got = [await channel.receive(reader), await channel.receive(reader)]
    writer.write(channel.pack_json(["drawn", 41]))
    await writer.drain()
    told = session.recv()
    sender.join()
    theirs.close()
    got.append(await channel.receive(reader))   # the session's end closed: None, not an error
    writer.close()
    return got, told


def test_channel_carries_big_messages_whole_and_in_order_and_ends_with_none():
    big = "0123456789abcdef" * 320_000   # 5 MB
    (first, second, end), told = run(_across(big))
    assert first == b"F" + big.encode() and second == b"M{}" and end is None
    assert told == ["drawn", 41]
