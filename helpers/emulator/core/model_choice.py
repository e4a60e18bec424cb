"""Which model answers the stack's ``Converse``: the scripted one, or a real one the user runs.

``agentcore-local up --model-endpoint URL [--model-name NAME]`` (or the variables
``AGENTCORE_LOCAL_MODEL_ENDPOINT`` and ``AGENTCORE_LOCAL_MODEL_NAME``, which ``make lab``
passes on) makes the stack forward ``Converse`` and ``ConverseStream`` to an
OpenAI-compatible chat-completions server (Ollama, vLLM, llama.cpp's server); see
:mod:`helpers.emulator.bedrock.openai_compat`. ``up`` keeps the choice in the stack's
home (``stack/model.json``) and every later start reads it, as it reads the prerequisites
it was given, until ``up --scripted-model`` (or another ``--model-endpoint``). The daemon
tells which model it serves in its status file, so ``agentcore-local status`` shows it.

The stack's own parts listen on loopback only; the model endpoint is the user's to choose
(an Ollama on this machine, typically), and the stack sends it the agent's conversation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _

ENDPOINT_ENV = "AGENTCORE_LOCAL_MODEL_ENDPOINT"
NAME_ENV = "AGENTCORE_LOCAL_MODEL_NAME"
# Bedrock's model ids mean nothing to a local server: this name is sent instead. Ollama's
# name of Llama 3.1 8B, a small model that calls tools (`ollama pull llama3.1`).
DEFAULT_MODEL_NAME = "llama3.1"
SCRIPTED = "scripted"
OPENAI_COMPATIBLE = "openai-compatible"
PROBE_TIMEOUT_SECONDS = 2.0
_CHAT_PATH = "/chat/completions"


class ModelChoiceError(ActionableError):
    """A model endpoint or name that cannot be used; the message names the fix."""


@dataclass(frozen=True)
class ModelChoice:
    """The scripted model (no ``endpoint``), or ``name`` at an OpenAI-compatible ``endpoint``."""

    endpoint: str | None = None
    name: str = DEFAULT_MODEL_NAME

    @classmethod
    def forwarding(cls, endpoint: str, name: str | None = None) -> ModelChoice:
        """Forward to ``endpoint`` (the API's base URL, ``…/v1``), checked and normalized."""
        return cls(_base_url(endpoint), _model_name(name))

    @property
    def scripted(self) -> bool:
        return self.endpoint is None

    @property
    def chat_url(self) -> str:
        return f"{self.endpoint}{_CHAT_PATH}"

    def describe(self) -> str:
        """One line for a person: which model answers ``Converse``."""
        if self.endpoint is None:
            return _("the scripted model (helpers/emulator/bedrock/scripted.py)")
        return _(
            "{name} at {endpoint} (OpenAI-compatible, forwarded)",
            name=self.name,
            endpoint=self.endpoint,
        )

    def to_json(self) -> dict[str, str]:
        if self.endpoint is None:
            return {"kind": SCRIPTED}
        return {"kind": OPENAI_COMPATIBLE, "endpoint": self.endpoint, "name": self.name}

    @classmethod
    def from_json(cls, document: Mapping[str, Any] | None) -> ModelChoice:
        if not document or document.get("kind", SCRIPTED) == SCRIPTED:
            return cls()
        return cls.forwarding(str(document["endpoint"]), str(document.get("name") or ""))

    @classmethod
    def read(cls, path: Path) -> ModelChoice:
        """The choice kept at ``path``; the scripted model when there is none."""
        if not path.exists():
            return cls()
        try:
            return cls.from_json(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ModelChoiceError(
                _(
                    "{file} is not a model choice ({error}). Choose again: agentcore-local up "
                    "--model-endpoint URL [--model-name NAME], or --scripted-model.",
                    file=path,
                    error=error,
                )
            ) from error

    def write(self, path: Path) -> None:
        """Keep the choice at ``path``, readable by its owner alone."""
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(self.to_json(), handle, indent=2)


def from_command_line(endpoint: str | None, name: str | None, scripted: bool) -> ModelChoice | None:
    """What ``up``'s options and the environment ask for; None to keep the stack's choice.

    ``--scripted-model`` wins, then ``--model-endpoint``, then ``$AGENTCORE_LOCAL_MODEL_ENDPOINT``;
    the name is ``--model-name``, else ``$AGENTCORE_LOCAL_MODEL_NAME``, else the default.
    """
    if scripted:
        return ModelChoice()
    endpoint = endpoint or os.environ.get(ENDPOINT_ENV, "").strip() or None
    if endpoint is None:
        if name:
            raise ModelChoiceError(
                _(
                    "--model-name names the model at --model-endpoint: give both, such as "
                    "--model-endpoint http://127.0.0.1:11434/v1 --model-name {name}",
                    name=name,
                )
            )
        return None
    return ModelChoice.forwarding(endpoint, name or os.environ.get(NAME_ENV, "").strip() or None)


def probe(choice: ModelChoice) -> str | None:
    """A warning when the endpoint does not answer or does not list the model; else None.

    ``GET {endpoint}/models``, which OpenAI-compatible servers answer with the models they
    serve. A server without that route is not warned about.
    """
    if choice.endpoint is None:
        return None
    import httpx

    try:
        response = httpx.get(f"{choice.endpoint}/models", timeout=PROBE_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        return _(
            "the model endpoint {endpoint} does not answer ({error}): Converse calls fail "
            "until it does. Start the model server (Ollama: `ollama serve`).",
            endpoint=choice.endpoint,
            error=type(error).__name__,
        )
    try:
        listed = [str(model["id"]) for model in response.json()["data"]]
    except (ValueError, KeyError, TypeError):
        return None
    if not listed or choice.name in listed or f"{choice.name}:latest" in listed:
        return None
    return _(
        "the model endpoint {endpoint} lists {models}, not {name}: choose one with "
        "--model-name (Ollama: `ollama pull {name}` fetches it).",
        endpoint=choice.endpoint,
        models=", ".join(listed[:10]),
        name=choice.name,
    )


def _base_url(endpoint: str) -> str:
    text = endpoint.strip()
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.password
        or parts.query
        or parts.fragment
    ):
        # Not quoted back: a URL with a password in it is not printed.
        raise ModelChoiceError(
            _(
                "--model-endpoint (or ${variable}) is not an http(s) URL of an "
                "OpenAI-compatible API's base without credentials or a query; give one such as "
                "http://127.0.0.1:11434/v1 (Ollama) or http://127.0.0.1:8000/v1 (vLLM).",
                variable=ENDPOINT_ENV,
            )
        )
    base = text.rstrip("/")
    return base.removesuffix(_CHAT_PATH).rstrip("/")


def _model_name(name: str | None) -> str:
    chosen = (name or "").strip()
    return chosen or DEFAULT_MODEL_NAME
