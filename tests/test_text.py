"""Text from users made safe for a terminal and for SVG: control characters shown, never acted on."""

import xml.etree.ElementTree as ElementTree

from diffplay.scenes.parts.picture import svg_document, svg_text
from diffplay.text import printable, xml_text

HOSTILE = "a\x1b[2J\x07\x00b\u202etab\there\nline"


def test_printable_escapes_what_would_act_on_a_terminal_and_keeps_tabs_and_newlines():
    assert printable(HOSTILE) == "a\\x1b[2J\\x07\\x00b\\u202etab\there\nline"
    assert printable("émile 名前") == "émile 名前"


def test_xml_text_escapes_markup_and_writes_what_xml_cannot_hold_as_escapes():
    assert xml_text('<a href="x">&\x01\ud800') == "&lt;a href=&quot;x&quot;&gt;&amp;\\x01\\ud800"


def test_an_svg_with_control_characters_in_its_text_is_valid_xml():
    document = svg_document(100, 40, [svg_text(5, 20, HOSTILE)])
    text = ElementTree.fromstring(document).find("{http://www.w3.org/2000/svg}text").text
    assert text.startswith("a\\x1b[2J\\x07\\x00b")
