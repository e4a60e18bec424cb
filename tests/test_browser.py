"""The learner's path in a real browser: JupyterLab as ``make lab`` starts it, driven by hand.

Headless Chromium (Debian's ``chromium``; Playwright's own browser download is not
used) opens notebook 01, runs it up to the edit, follows the notebook's link to
``agentcore.json``, types the authorizer into JupyterLab's text editor, saves, runs
the checker and sees it pass, then runs the rest of the notebook: the widgets render
as widgets, the chat box answers, and no JWT-shaped string is anywhere in the page
or the saved notebook. Then the same for notebook 03's two code edits, whose
learner-worded version must survive the notebook's catch-up and answer a warranty
end to end.

``make lab`` is started for real, with ``LAB_ROOT`` pointing at a folder of the test's
own (a copy of ``notebooks/``; ``my-project/`` is made there), its own stack home and
JupyterLab settings, so nothing of a learner's is touched (``LAB_CLI=stand-in``: nor is
the real CLI installed and linked into ``.venv/bin``). A failing step leaves a
screenshot in ``.workshop/browser-test/`` and says so. Without Chromium the test is
skipped with the command that installs it (``.ci/run`` installs it in CI).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from helpers.emulator import stack
from tests.leaks import JWT_SHAPED
from tests.support import (
    REPO_ROOT,
    poll_until,
    port_base_beside_the_suite,
    wait_until_jupyter_serves,
)

CHROMIUM = os.environ.get("WORKSHOP_CHROMIUM") or shutil.which("chromium")
INSTALL_HINT = (
    "Chromium is not installed; on Debian or Ubuntu: `apt-get install -y chromium` "
    "(or set WORKSHOP_CHROMIUM to a Chromium binary). .ci/run installs it in CI."
)
playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
# Skipped without Chromium, except in CI (CI=true), where .ci/run installs it: there a
# missing browser is a failure, so the browser path is proven on every CI run.
pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason=INSTALL_HINT),
]

# Flags that keep Chromium off the network (this machine's is closed) and out of ~.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAILURES = REPO_ROOT / ".workshop" / "browser-test"
# Each lab's stack, away from the suite's and notebook 03's own: the English and the
# Chinese lab are up at the same time.
LAB_PORT_BASES = {"en": port_base_beside_the_suite(300), "zh-CN": port_base_beside_the_suite(400)}
VISIBLE = ".jp-NotebookPanel:not(.lm-mod-hidden)"
STARTED_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 240_000


@dataclass(frozen=True)
class Lab:
    """A running ``make lab``: where it serves, its token, and the folder it serves."""

    url: str
    token: str
    root: Path

    def workspace_url(self, notebook: str) -> str:
        # A workspace of its own, reset, so nothing from an earlier run is restored.
        name = Path(notebook).stem.replace("_", "-")
        return (
            f"{self.url}/lab/workspaces/{name}/tree/notebooks/{notebook}?reset&token={self.token}"
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """``make lab`` on a folder of the test's own; stopped with its kernels and stack."""
    yield from _make_lab(tmp_path_factory, "en")


@pytest.fixture(scope="module")
def chinese_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """``make lab WORKSHOP_LANG=zh-CN``, as the Chinese README says to start it."""
    yield from _make_lab(tmp_path_factory, "zh-CN")


def _make_lab(tmp_path_factory: pytest.TempPathFactory, language: str) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp(f"lab-{language}")
    root, home = base / "root", base / "home"
    shutil.copytree(REPO_ROOT / "notebooks", root / "notebooks")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "AGENTCORE_", "JUPYTER", "MAKE"))
        and name not in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "MFLAGS")
    }
    env.update(
        AGENTCORE_LOCAL_PORT_BASE=LAB_PORT_BASES[language],
        JUPYTERLAB_SETTINGS_DIR=str(base / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "lab-workspaces"),
        JUPYTER_RUNTIME_DIR=str(base / "jupyter-runtime"),
    )
    lab_args = (
        f"--no-browser --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    )
    log = (base / "make-lab.log").open("wb")
    process = subprocess.Popen(
        [
            *("make", "-s", "lab", f"WORKSHOP_HOME={home}", f"LAB_ROOT={root}"),
            *(f"LAB_ARGS={lab_args}", f"WORKSHOP_LANG={language}", "LAB_CLI=stand-in"),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: make, the stack's CLI, jupyter
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_jupyter_serves(process, url, token, base / "make-lab.log", "make lab")
        yield Lab(url, token, root)
    finally:
        # SIGTERM: JupyterLab shuts its kernels down and exits; then the lab's stack.
        _stop_group(process)
        stack.down(home)
        log.close()


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to ``make lab``'s process group; wait until all of it is gone (SIGKILL at 30 s)."""
    os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while True:
        process.poll()
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
        time.sleep(0.2)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM is not None, INSTALL_HINT
    with playwright_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page; a screenshot is kept when the test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(STARTED_TIMEOUT_MS)
    failed_before = request.session.testsfailed
    try:
        yield page
    finally:
        if request.session.testsfailed > failed_before:
            FAILURES.mkdir(parents=True, exist_ok=True)
            shot = FAILURES / f"{request.node.name}-{time.strftime('%Y%m%d-%H%M%S')}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failing page: {shot}")
        context.close()


# --- what a learner does ---------------------------------------------------------------------


def open_notebook(page: Any, lab: Lab, notebook: str) -> Any:
    """Open ``notebook`` in a fresh workspace; return its panel once the kernel is idle."""
    page.goto(lab.workspace_url(notebook))
    panel = page.locator(VISIBLE)
    panel.locator(".jp-Cell").nth(2).wait_for(state="attached")
    page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for()
    return panel


def run_cells(page: Any, panel: Any, first: int, count: int) -> None:
    """Select cell ``first`` and press Shift+Enter ``count`` times, as a learner runs cells."""
    panel.locator(".jp-Cell").nth(first).locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Escape")  # command mode
    for _ in range(count):
        page.keyboard.press("Shift+Enter")


def output_of(panel: Any, cell: int) -> Any:
    return panel.locator(".jp-Cell").nth(cell).locator(".jp-OutputArea")


def wait_for_output(panel: Any, cell: int, text: str, timeout: int = RUN_TIMEOUT_MS) -> None:
    output_of(panel, cell).get_by_text(text, exact=False).first.wait_for(timeout=timeout)


def check_passes(panel: Any, cell: int) -> None:
    """Wait for a checker cell's verdict and assert it is "done" (else show what it says)."""
    verdict = output_of(panel, cell).get_by_text(re.compile("done|still to do")).first
    verdict.wait_for(timeout=STARTED_TIMEOUT_MS)
    text = output_of(panel, cell).inner_text()
    assert "still to do" not in text, text


def open_link(page: Any, panel: Any, path: str) -> Any:
    """Click the notebook's link to ``path``; return the text editor it opened."""
    panel.locator(".jp-RenderedMarkdown a", has_text=path).first.click()
    editor = page.locator(".jp-FileEditor:visible")
    editor.locator(".cm-content").wait_for()
    return editor


def type_at_end_of(
    page: Any, editor: Any, line_text: str, keys: str, back: int = 0, last: bool = False
) -> None:
    """Click the (first or last) line holding ``line_text``, go to its end (``back``
    characters before it), and type ``keys``."""
    lines = editor.locator(".cm-line", has_text=line_text)
    (lines.last if last else lines.first).click()
    page.keyboard.press("End")
    for _ in range(back):
        page.keyboard.press("ArrowLeft")
    page.keyboard.type(keys)


SAVED_TAB = ".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current:not(.jp-mod-dirty)"


def type_on_a_new_line(page: Any, editor: Any, line_text: str, keys: str) -> None:
    """Type ``keys`` on a new line below the first line holding ``line_text`` (the
    editor indents it like that line)."""
    type_at_end_of(page, editor, line_text, "")
    page.keyboard.press("Enter")
    page.keyboard.type(keys)


def save(page: Any, editor: Any, path: Path, expected: str) -> None:
    """Ctrl+S in the editor; wait until the file on disk holds ``expected``."""
    editor.locator(".cm-content").click()
    page.keyboard.press("Control+s")
    saved = poll_until(
        lambda: expected in (path.read_text() if path.exists() else ""), within=15, every=0.1
    )
    assert saved, f"{path} was not saved with {expected!r}"


def back_to_notebook(page: Any, notebook: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=notebook).first.click()


def run_all_below(page: Any, panel: Any, cell: int) -> None:
    """Run → Run Selected Cell and All Below, from cell ``cell``."""
    panel.locator(".jp-Cell").nth(cell).locator(".jp-InputPrompt").first.click()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run Selected Cell and All Below").first.click()


def wait_until_the_run_ends(page: Any, panel: Any) -> None:
    """No cell waiting to run, and the kernel idle, twice in a row.

    The kernel is briefly idle between two cells of "Run All Below", so "Idle" alone can
    come before the last cell has run (and a save then would miss its outputs).
    """
    deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
    settled = 0
    while settled < 2:
        assert time.monotonic() < deadline, "the notebook's cells did not finish running"
        queued = panel.locator(".jp-InputPrompt", has_text="[*]").count()
        idle = page.locator(".jp-StatusBar-TextItem", has_text="Idle").count()
        settled = settled + 1 if not queued and idle else 0
        time.sleep(0.5)


def assert_clean_page(page: Any, panel: Any, saved: Path) -> None:
    """No error output, no unrendered widget, no JWT-shaped string, in the page or the file."""
    # The notebook, with its outputs, saved with the toolbar's disk button.
    panel.locator(".jp-Toolbar [data-command='docmanager:save']").first.click()
    page.locator(SAVED_TAB).first.wait_for()
    assert poll_until(lambda: "checkpoint passed" in saved.read_text(), within=15, every=0.1), (
        f"{saved} was not saved with its outputs"
    )
    errors = panel.locator(".jp-OutputArea-output[data-mime-type*='stderr']").all_inner_texts()
    assert not [e for e in errors if "Traceback" in e or "Error" in e], errors
    content = page.content()
    assert "Loading widget" not in content
    assert not re.search(r"\b(VBox|HBox|Textarea|Button)\(", page.inner_text("body"))
    assert not JWT_SHAPED.search(content), "a JWT-shaped string is in the page"
    assert not JWT_SHAPED.search(saved.read_text()), f"a JWT-shaped string is in {saved}"


# --- the tests --------------------------------------------------------------------------------


def without_a_project(lab: Lab) -> Lab:
    """The module's lab with no learner project in it, as before notebook 00 made one.

    The tests share one lab and run in any order: each starts where its notebook's learner
    does, not with the edits and catch-up another test left in ``my-project/``.
    """
    shutil.rmtree(lab.root / "my-project", ignore_errors=True)
    return lab


def test_notebook_01_by_hand_in_jupyterlab(lab: Lab, page: Any) -> None:
    lab = without_a_project(lab)
    panel = open_notebook(page, lab, "01_secure_runtime.ipynb")
    run_cells(page, panel, first=0, count=7)  # up to the edit: start, settings, discovery
    wait_for_output(panel, 5, "public keys:")
    settings = output_of(panel, 3).inner_text()
    discovery_url = re.search(r"discovery URL:\s*(\S+)", settings)
    client_id = re.search(r"client id:\s*(\S+)", settings)
    assert discovery_url and client_id, settings

    editor = open_link(page, panel, "my-project/agentcore/agentcore.json")
    edit = (
        ', "requestHeaderAllowlist": ["Authorization"], "authorizerType": "CUSTOM_JWT", '
        '"authorizerConfiguration": {"customJwtAuthorizer": {"discoveryUrl": '
        f'"{discovery_url[1]}", "allowedClients": ["{client_id[1]}"]}}}}'
    )
    type_at_end_of(page, editor, '"protocol": "HTTP"', edit)
    config_file = lab.root / "my-project" / "agentcore" / "agentcore.json"
    save(page, editor, config_file, "CUSTOM_JWT")
    assert json.loads(config_file.read_text())["runtimes"][0]["authorizerType"] == "CUSTOM_JWT"

    back_to_notebook(page, "01_secure_runtime.ipynb")
    run_cells(page, panel, first=7, count=1)
    check_passes(panel, 7)

    run_all_below(page, panel, 8)
    chat = panel.locator("input[placeholder='Ask the support agent…']")
    chat.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_the_run_ends(page, panel)
    assert panel.get_by_text("checkpoint passed: a valid token gets a streamed answer").count()
    # Widgets as widgets: the token panel's button, the deploy view's log, the chat box.
    assert panel.locator(".jupyter-widgets button", has_text="Refresh token").count() == 1
    assert panel.locator(".jupyter-widgets textarea").count() >= 1
    # Typed as fast as keys go, Enter at once: ipywidgets sends "submit" straight away but
    # holds back value updates while one is on its way, so the kernel may hear the
    # submit before the last keys. Then a second prompt, typed while the first streams,
    # once the box is empty again (the kernel empties it as it takes the prompt: keys
    # typed before that would be cleared with it, as in any chat box served by a kernel).
    chat.press_sequentially("What's the return policy for electronics?")
    chat.press("Enter")
    assert poll_until(lambda: not chat.input_value(), within=STARTED_TIMEOUT_MS / 1000), (
        "the chat box was not emptied after Enter"
    )
    chat.press_sequentially("Tell me about PROD-002")
    chat.press("Enter")
    answers = panel.locator(".jupyter-widgets .jp-OutputArea", has_text="Smart Watch").first
    answers.wait_for(timeout=RUN_TIMEOUT_MS)
    transcript = answers.inner_text()
    assert "you: What's the return policy for electronics?\n" in transcript, transcript
    assert "30 days" in transcript and "you: Tell me about PROD-002\n" in transcript, transcript
    assert_clean_page(page, panel, lab.root / "notebooks" / "01_secure_runtime.ipynb")


def test_notebook_03_code_edits_by_hand(lab: Lab, page: Any) -> None:
    lab = without_a_project(lab)
    project = lab.root / "my-project" / "app" / "CustomerSupport"
    panel = open_notebook(page, lab, "03_mcp_client_auth.ipynb")
    # start (catches up to step 2), why, the workshop text's version, the link
    run_cells(page, panel, first=0, count=5)
    wait_for_output(panel, 1, "steps done: 2")

    client = open_link(page, panel, "my-project/app/CustomerSupport/mcp_client/client.py")
    type_at_end_of(page, client, "GATEWAY_URL_ENV = ", "_SECURE", back=len('_URL"'))
    type_on_a_new_line(
        page, client, "from .reachability import", "from .caller_token import CallerToken"
    )
    signature_end = ") -> MCPClient | None:"
    type_at_end_of(
        page,
        client,
        "def get_gateway_mcp_client()",
        "caller_token: CallerToken",
        back=len(signature_end),
    )
    # The Gateway's client is the file's last function; the web-search client has look-alikes.
    type_at_end_of(
        page, client, "streamablehttp_client(url))", ", auth=caller_token", back=2, last=True
    )
    # A mistake first: the reachability check is left without the token. The checker runs
    # the file against a stand-in Gateway and says what happened, and the fix.
    save(page, client, project / "mcp_client" / "client.py", "auth=caller_token")
    back_to_notebook(page, "03_mcp_client_auth.ipynb")
    run_cells(page, panel, first=5, count=1)
    wait_for_output(panel, 5, "still to do")
    first = output_of(panel, 5).locator("li").first.inner_text()
    assert "HTTP 401" in first and "mcp_server_problem(url, caller_token)" in first, first

    page.locator(".lm-TabBar-tab", has_text="client.py").first.click()
    type_at_end_of(
        page, client, "problem = mcp_server_problem(url)", ", caller_token", back=1, last=True
    )
    save(page, client, project / "mcp_client" / "client.py", "problem(url, caller_token)")
    back_to_notebook(page, "03_mcp_client_auth.ipynb")
    run_cells(page, panel, first=5, count=2)  # the client's checker, then the main.py link
    check_passes(panel, 5)

    main = open_link(page, panel, "my-project/app/CustomerSupport/main.py")
    type_on_a_new_line(
        page,
        main,
        "from mcp_client.client import",
        "from mcp_client.caller_token import CallerToken",
    )
    type_on_a_new_line(
        page, main, "from memory.session import", "from memory.actor import actor_id"
    )
    type_on_a_new_line(page, main, "agent: Agent", "gateway_token: CallerToken")
    type_at_end_of(
        page,
        main,
        "def get_or_create_agent(",
        ", authorization: str | None",
        back=len(") -> SessionAgent:"),
    )
    # A slip of the keyboard, as learners make them: the British spelling of a name.
    type_at_end_of(page, main, "key = (session_id, user_id)", ", actor_id(authorisation)", back=1)
    type_at_end_of(page, main, "get_gateway_mcp_client()]", "gateway_token", back=2)
    main.locator(".cm-line", has_text="mcp_clients = [").click()
    page.keyboard.press("Home")
    page.keyboard.type("gateway_token = CallerToken(authorization)")
    page.keyboard.press("Enter")
    type_at_end_of(page, main, "SessionAgent(agent)", ", gateway_token", back=1)
    type_on_a_new_line(
        page,
        main,
        'user_id = getattr(context, "user_id"',
        'authorization = (context.request_headers or {}).get("Authorization")',
    )
    type_at_end_of(page, main, "asyncio.to_thread(get_or_create_agent", ", authorization", back=1)
    type_at_end_of(
        page,
        main,
        "async with session.turn",
        ", session.gateway_token.presenting(authorization)",
        back=1,
    )
    save(page, main, project / "main.py", "presenting(authorization):")
    back_to_notebook(page, "03_mcp_client_auth.ipynb")
    run_cells(page, panel, first=7, count=1)
    wait_for_output(panel, 7, "still to do")
    first = output_of(panel, 7).locator("li").first.inner_text()
    typo_line = (project / "main.py").read_text().split("authorisation")[0].count("\n") + 1
    assert f"main.py line {typo_line}: NameError" in first and "authorisation" in first, first

    page.locator(".lm-TabBar-tab", has_text="main.py").first.click()
    type_at_end_of(page, main, "actor_id(authorisation)", "", back=2)
    for _ in range(len("authorisation")):
        page.keyboard.press("Backspace")
    page.keyboard.type("authorization")
    save(page, main, project / "main.py", "user_id, actor_id(authorization))")
    back_to_notebook(page, "03_mcp_client_auth.ipynb")
    run_cells(page, panel, first=7, count=1)
    check_passes(panel, 7)

    run_all_below(page, panel, 8)
    panel.get_by_text("checkpoint passed: the warranty check works end to end").first.wait_for(
        timeout=RUN_TIMEOUT_MS
    )
    wait_until_the_run_ends(page, panel)
    # The learner's own words were kept: catch-up replaced nothing that passed.
    assert "auth=caller_token" in (project / "mcp_client" / "client.py").read_text()
    assert not list(project.rglob("*.bak-*"))
    assert_clean_page(page, panel, lab.root / "notebooks" / "03_mcp_client_auth.ipynb")


def test_the_chinese_lab_opens_the_chinese_edition_in_a_chinese_jupyterlab(
    chinese_lab: Lab, page: Any
) -> None:
    """``make lab WORKSHOP_LANG=zh-CN``: JupyterLab's menus in Chinese, on notebook 00 in
    Chinese, whose kernel and the stack it starts speak Chinese too; notebook 06 opens in
    the same edition with its diagram drawn."""
    page.goto(f"{chinese_lab.url}/?token={chinese_lab.token}")
    page.wait_for_url(re.compile(r"/lab/tree/notebooks/zh-CN/00_setup\.ipynb"))
    for menu in ("文件", "编辑", "运行", "内核"):  # File, Edit, Run, Kernel
        page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.wait_for()
    panel = page.locator(VISIBLE)
    panel.get_by_role("heading", name="00 · 环境准备与检查").wait_for()
    page.locator(".jp-StatusBar-TextItem", has_text="空闲").first.wait_for()  # Idle
    run_cells(page, panel, first=2, count=3)  # the backend, the start text, start()
    wait_for_output(panel, 2, "本研讨会在 'local' 后端上运行。")
    wait_for_output(panel, 4, "已完成的步骤：0")
    started = output_of(panel, 4).inner_text()
    assert "本地堆栈已在运行" in started and "正在部署项目 CustomerSupport" in started, started
    # Notebook 06 opens in the same edition, its diagram drawn.
    page.goto(
        f"{chinese_lab.url}/lab/tree/notebooks/zh-CN/06_fine_grained_auth.ipynb"
        f"?token={chinese_lab.token}"
    )
    further = page.locator(VISIBLE)
    further.get_by_role("heading", name="06 · 更进一步：谁可以调用，又可以做什么").wait_for()
    further.get_by_role("heading", name="5. 调用者的令牌会被传到哪里").scroll_into_view_if_needed()
    further.locator(".jp-RenderedMermaid :is(img, svg)").first.wait_for()
