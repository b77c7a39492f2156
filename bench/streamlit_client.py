"""One browser tab's conversation with a Streamlit server, without a browser.

Streamlit's frontend and server talk over one WebSocket (/_stcore/stream) in protobuf: the browser sends
BackMsg (here: rerun_script, carrying a ClientState with the widgets' values, as the frontend does when
a widget changes), the server answers with ForwardMsg (new_session when a run starts, one delta per
element drawn, page_info_changed, navigation, script_finished). This client does what the frontend
does on that wire, in the same order:

- opens the page (GET /) and asks /_stcore/health, which sets the XSRF cookie; keeps cookies like a
  browser (nginx's `kpi_backend` keeps it on one process, the XSRF cookie is signed by that process);
- connects with the subprotocols the frontend sends ("streamlit", the XSRF token) and the Origin of the
  page, then asks for the first run (with the page's name from its address);
- sends, on every rerun, the query string and the page (page_script_hash) the server last gave it,
  the page's address, time zone and locale (ContextInfo), the values of the widgets it has set that
  are still on the page (triggers only once), and the hashes of the cacheable messages it keeps, so
  that the server may answer with references (ref_hash) as it does to a browser (this client never
  drops one; the frontend drops those unused for a few runs: a few hashes more on the wire);
- loads the image a login puts on the page (kpi.app.session: the one-time ticket for the session
  cookie), as the browser does.

What it does not do: draw anything, run components' JavaScript, send the values of widgets it never
touched (the frontend sends them unchanged; the server keeps the same values from the previous run).
A run is timed from sending the BackMsg to receiving script_finished: the time until the last element
of the page has arrived, before a browser would draw it.
"""

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

from bench.deployment import UPSTREAM_HEADER

XSRF_COOKIE = "_streamlit_xsrf"
TICKET_PATH = "/_kpi/session"
# Time zone and locale of the city's offices, as a browser there reports them.
TIME_ZONE, TIME_ZONE_OFFSET, LOCALE = "Asia/Ho_Chi_Minh", -420, "vi-VN"
RUN_TIMEOUT = 300


@dataclass
class Run:
    """What one script run sent: every element drawn (by type), and how it ended."""

    seconds: float
    status: int | None
    elements: list = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == ForwardMsg.FINISHED_SUCCESSFULLY and not self.exceptions

    @property
    def exceptions(self) -> list[str]:
        return [e.exception.message for e in self.elements if e.WhichOneof("type") == "exception"]

    @property
    def headings(self) -> list[str]:
        return [e.heading.body for e in self.elements if e.WhichOneof("type") == "heading"]

    def widget(self, kind: str, key: str):
        """The element of the widget with this user key (Streamlit's ids end in "-" + key)."""
        for element in self.elements:
            if element.WhichOneof("type") == kind and getattr(element, kind).id.endswith(f"-{key}"):
                return getattr(element, kind)
        raise LookupError(f"no {kind} {key!r} on the page: {self.headings}")

    def widget_ids(self) -> set[str]:
        ids = set()
        for element in self.elements:
            kind = element.WhichOneof("type")
            widget_id = getattr(getattr(element, kind), "id", "") if kind else ""
            if isinstance(widget_id, str) and widget_id:
                ids.add(widget_id)
        return ids


class Tab:
    """One tab: cookies, the WebSocket, and what the frontend keeps between runs."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.cookies: dict[str, str] = {}
        self.upstream: str | None = None
        self._socket = None
        self._states: dict[str, WidgetState] = {}
        self._cache: dict[str, ForwardMsg] = {}
        self._page_hash = ""
        self._query = ""

    async def open(self, path: str = "/") -> Run:
        """Loads the page, connects, and runs the script as the browser does when a tab opens."""
        headers = await self.get(path)
        self.upstream = headers.get(UPSTREAM_HEADER)
        await self.get("/_stcore/health")
        url = urlsplit(self.base)
        self._socket = await connect(
            f"ws://{url.netloc}/_stcore/stream", subprotocols=["streamlit", self.cookies[XSRF_COOKIE]],
            origin=self.base, additional_headers={"Cookie": self._cookie_header()},
            # Like a browser: no size limit on the server's messages, no pings of its own.
            max_size=None, ping_interval=None)
        self._path = path
        return await self.rerun(first=True)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()

    async def get(self, path: str) -> dict[str, str]:
        """An HTTP GET with this tab's cookies; keeps the cookies set by the answer."""
        request = urllib.request.Request(urljoin(self.base + "/", path.lstrip("/")),
                                         headers={"Cookie": self._cookie_header()})
        answer = await asyncio.to_thread(_fetch, request)
        for header in answer.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return dict(answer.items())

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def set_value(self, widget_id: str, **value) -> None:
        """A widget's new value, sent with the next rerun (string_value="2025", trigger_value=True …)."""
        self._states[widget_id] = WidgetState(id=widget_id, **value)

    async def rerun(self, *, first: bool = False) -> Run:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self._query
        state.page_script_hash = self._page_hash
        state.widget_states.widgets.extend(self._states.values())
        state.cached_message_hashes.extend(self._cache)
        if first:
            state.page_name = self._path.strip("/")
        # Sent with every rerun: a run without it has no st.context.url (the login's ticket image needs it).
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = TIME_ZONE, TIME_ZONE_OFFSET, LOCALE
        info.url = self.base + self._path + (f"?{self._query}" if self._query else "")
        info.is_embedded, info.color_scheme = False, "light"
        # A trigger (a button, a form's submit) is sent once, as the frontend resets it after sending.
        self._states = {i: s for i, s in self._states.items() if s.WhichOneof("value") != "trigger_value"}
        started = time.perf_counter()
        await self._socket.send(message.SerializeToString())
        run = await asyncio.wait_for(self._receive_run(), RUN_TIMEOUT)
        run.seconds = time.perf_counter() - started
        # Widgets no longer on the page are forgotten, as the frontend forgets them.
        shown = run.widget_ids()
        self._states = {i: s for i, s in self._states.items() if i in shown}
        await self._load_ticket(run)
        return run

    async def _receive_run(self) -> Run:
        run = Run(0.0, None)
        started = False
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self._socket.recv())
            kind = message.WhichOneof("type")
            if kind == "ref_hash":
                message = self._resolve(message)
                kind = message.WhichOneof("type")
            elif message.metadata.cacheable and message.hash:
                self._cache[message.hash] = message
            if kind == "new_session":
                started = True
            elif not started:
                continue  # the end of an earlier run (its status messages), not this one's
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                run.elements.append(message.delta.new_element)
            elif kind == "page_info_changed":
                self._query = message.page_info_changed.query_string
            elif kind == "navigation":
                self._page_hash = message.navigation.page_script_hash
            elif kind == "script_finished":
                run.status = message.script_finished
                if run.status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return run

    def _resolve(self, reference: ForwardMsg) -> ForwardMsg:
        message = ForwardMsg()
        message.CopyFrom(self._cache[reference.ref_hash])
        message.metadata.CopyFrom(reference.metadata)
        return message

    async def _load_ticket(self, run: Run) -> None:
        for element in run.elements:
            if element.WhichOneof("type") == "imgs":
                for image in element.imgs.imgs:
                    if TICKET_PATH in image.url:
                        await self.get(urlsplit(image.url)._replace(scheme="", netloc="").geturl())


def _fetch(request: urllib.request.Request):
    with urllib.request.urlopen(request, timeout=60) as answer:
        answer.read()
        return answer.headers
