"""A page's messages on their way into its scene's loop, the same for a studio WebSocket and a
notebook widget: the rate limit (one error per flood, not one per message), the parsing
layer's bounds (messages.parse), and a "drawn" never past the frames that have left for the
page, so the loop paces itself by what the page could have drawn, not by what it claims.
"""

from ..errors import UsageError
from .limits import RateLimiter
from .messages import error, parse

BUSY = "event: the scene is still busy with earlier ones; this one was dropped"


class Inbound:
    """One page's messages: `read(text, delivered)` gives (a message for the loop, or None;
    an error text for the page, or None)."""

    def __init__(self, limits):
        self.limits = limits
        self.rate = RateLimiter(limits.messages_per_s, limits.message_burst)
        self.refusing = False   # in a flood past the rate limit, already told so

    def read(self, text, delivered):
        """`delivered`: the id of the last frame handed to the page."""
        if not self.rate.allow():
            if self.refusing:
                return None, None
            self.refusing = True
            return None, error(f"message: more than {self.limits.messages_per_s:g} messages a second; "
                               "dropping them until they slow down")
        self.refusing = False
        try:
            message = parse(text, self.limits)
        except UsageError as e:
            return None, error(e)
        if message["type"] == "drawn":
            return ["drawn", min(message["frame"], delivered)], None
        if message["type"] == "join":
            return ["join"], None
        if message["type"] == "save":
            return ["save", message["id"]], None
        if message["type"] == "load":
            return ["replay", message["id"], message.get("record"), message.get("link")], None
        return ["event", message["id"], message["event"]], None
