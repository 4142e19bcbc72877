"""google.colab.ai: text from a language model, as on Colab, from an OpenAI-compatible
endpoint you choose (llama.cpp's server, Ollama, vLLM or a hosted API) where Colab uses
Google's model proxy. Settings, each an environment variable of the kernel (`%env`) or a
secret (`localab secret set NAME` on the host), the variable first:

  LOCALAB_AI_BASE_URL  the API's base, where /chat/completions and /models follow, e.g.
                       http://host.docker.internal:11434/v1 for Ollama on the host
  LOCALAB_AI_API_KEY   its key, when it asks for one
  LOCALAB_AI_MODEL     the model used when a call names Colab's default model
  LOCALAB_AI_TIMEOUT   seconds to wait for the server to answer (default 120)
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request

from . import userdata

__all__ = ["generate_text", "list_models", "ModelProxyServiceError"]

COLAB_MODEL = "google/gemini-2.5-flash"
BASE_URL, API_KEY, MODEL, TIMEOUT = "LOCALAB_AI_BASE_URL", "LOCALAB_AI_API_KEY", "LOCALAB_AI_MODEL", "LOCALAB_AI_TIMEOUT"
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class ModelProxyServiceError(Exception):
    """The model server could not be reached, or answered with an error."""


def generate_text(prompt, model_name=COLAB_MODEL, stream=False):
    """The model's answer to `prompt`, whole (a str) or, with stream=True, as a generator
    of the pieces as they arrive."""
    if not prompt:
        raise ValueError("Prompt cannot be empty.")
    if not isinstance(prompt, str):
        raise ValueError("Prompt must be a string.")
    if not isinstance(model_name, str) or not model_name:
        raise ValueError(f"model_name must be a model's name as a string, not {model_name!r}; "
                         f"list_models() lists what the server has")
    model = (_setting(MODEL) or model_name) if model_name == COLAB_MODEL else model_name
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "stream": bool(stream)}
    response = _open("/chat/completions", body, model=model)
    if stream:
        return _pieces(response)
    with response:
        answer = _json(response, "/chat/completions")
    try:
        return answer["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ModelProxyServiceError(f"the answer from {_base_url()}/chat/completions has no choices[0].message: "
                                     f"{json.dumps(answer)[:300]}") from None


def list_models():
    """The ids of the models the server serves."""
    with _open("/models") as response:
        answer = _json(response, "/models")
    try:
        return [model["id"] for model in answer["data"]]
    except (KeyError, TypeError) as missing:
        raise ModelProxyServiceError(f"the answer from {_base_url()}/models is missing expected key: {missing}") from None


def _pieces(response):
    """Server-sent events of a streamed completion: each delta's text, until [DONE]."""
    with response:
        try:
            for raw in response:
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[len("data:"):].strip()
                if data == "[DONE]":
                    return
                choices = json.loads(data).get("choices") or []
                text = choices[0].get("delta", {}).get("content") if choices else None
                if text:
                    yield text
        except TimeoutError:
            raise ModelProxyServiceError(f"{_base_url()} stopped sending for {_timeout():g} s in the middle of "
                                         f"the answer ({TIMEOUT} sets how long to wait)") from None
        except ValueError as bad:
            raise ModelProxyServiceError(f"{_base_url()} sent a piece that is not JSON ({bad})") from None


def _setting(name):
    if os.environ.get(name):
        return os.environ[name]
    try:
        return userdata.get(name)
    except userdata.SecretNotFoundError:
        return None


def _base_url():
    url = _setting(BASE_URL)
    if not url:
        raise ModelProxyServiceError(
            f"google.colab.ai needs an OpenAI-compatible server here: set {BASE_URL} (e.g. "
            f"http://host.docker.internal:11434/v1 for Ollama on this machine) and, if it asks for a key, {API_KEY}; "
            f"with `localab secret set NAME` on the host, or `%env NAME=...` in the notebook")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{BASE_URL}: {url!r} is not an http(s) URL; give the API's base, e.g. "
                         f"http://host.docker.internal:11434/v1")
    return url.rstrip("/")


def _timeout():
    raw = os.environ.get(TIMEOUT) or "120"
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0
    if not seconds > 0:
        raise ValueError(f"{TIMEOUT}: {raw!r} is not a number of seconds above 0")
    return seconds


def _open(path, body=None, *, model=None):
    base = _base_url()
    headers = {"Accept": "application/json"}
    if key := _setting(API_KEY):
        headers["Authorization"] = f"Bearer {key}"
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(base + path, data=data, headers=headers)
    # A server on the runtime's own loopback is never reached through the proxy of the environment.
    loopback = urllib.parse.urlsplit(base).hostname in _LOOPBACK
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({})) if loopback else urllib.request.build_opener()
    timeout = _timeout()
    try:
        return opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        hint = f"; is {model!r} a model it serves? list_models() lists them" if model and error.code in (400, 404) else ""
        raise ModelProxyServiceError(f"{base}{path} answered {error.code}: {_error_text(error)}{hint}") from None
    except TimeoutError:
        raise ModelProxyServiceError(f"{base}{path} did not answer within {timeout:g} s ({TIMEOUT} sets how long "
                                     f"to wait)") from None
    except OSError as error:  # URLError: refused, unknown host, TLS
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            raise ModelProxyServiceError(f"{base}{path} did not answer within {timeout:g} s") from None
        raise ModelProxyServiceError(f"cannot reach {base}{path} ({reason}); is the server running, and is "
                                     f"{BASE_URL} right?") from None


def _json(response, path):
    try:
        return json.load(response)
    except TimeoutError:
        raise ModelProxyServiceError(f"{_base_url()}{path} stopped sending for {_timeout():g} s") from None
    except ValueError:
        raise ModelProxyServiceError(f"Failed to decode JSON response from {_base_url()}{path}.") from None


def _error_text(error):
    try:
        text = error.read().decode("utf-8", "replace")
        answer = json.loads(text)
        found = answer.get("error", answer)
        return found.get("message", text) if isinstance(found, dict) else str(found)
    except Exception:
        return error.reason or "no reason given"
