"""google.colab.ai (localab/guest/stand_in/google/colab/ai.py) against a small
OpenAI-compatible server on loopback: whole and streamed answers, the model list, an
error status, a server that never answers, and each bad input as one clear error."""

import threading
import time
from http.server import ThreadingHTTPServer

import pytest

from tests.utils.guest import guest_module
from tests.utils.openai_server import MODELS, OpenAICompatible

@pytest.fixture
def server():
    OpenAICompatible.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), OpenAICompatible)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def ai(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAB_SECRETS_DIR", str(tmp_path))
    for name in ("LOCALAB_AI_BASE_URL", "LOCALAB_AI_API_KEY", "LOCALAB_AI_MODEL", "LOCALAB_AI_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # a proxy that answers nothing: loopback must not use it
    return guest_module(monkeypatch, "google.colab.ai")


def test_a_whole_answer_a_streamed_one_and_the_model_list(ai, server, monkeypatch, tmp_path):
    (tmp_path / "LOCALAB_AI_BASE_URL").write_text(server + "/\n")  # a secret, as `localab secret set` writes it
    monkeypatch.setenv("LOCALAB_AI_API_KEY", "sk-local")
    assert ai.list_models() == MODELS
    assert ai.generate_text("What is the capital of France?", model_name="tiny-llama") == "Paris is the capital."
    pieces = ai.generate_text("And streamed?", model_name="qwen-0.5b", stream=True)
    assert list(pieces) == ["Paris", " is", " the", " capital."]
    posts = [entry for entry in OpenAICompatible.seen if entry[0] == "/v1/chat/completions"]
    assert [post[2]["stream"] for post in posts] == [False, True]
    assert posts[0][2]["messages"] == [{"role": "user", "content": "What is the capital of France?"}]
    assert all(entry[1] == "Bearer sk-local" for entry in OpenAICompatible.seen)


def test_colabs_default_model_name_becomes_the_configured_one(ai, server, monkeypatch):
    monkeypatch.setenv("LOCALAB_AI_BASE_URL", server)
    monkeypatch.setenv("LOCALAB_AI_MODEL", "qwen-0.5b")
    assert ai.generate_text("hi") == "Paris is the capital."
    assert OpenAICompatible.seen[-1][2]["model"] == "qwen-0.5b"


def test_an_unknown_model_is_the_servers_error_with_what_to_do(ai, server, monkeypatch):
    monkeypatch.setenv("LOCALAB_AI_BASE_URL", server)
    with pytest.raises(ai.ModelProxyServiceError) as error:
        ai.generate_text("hi")  # Colab's default name, which a local server does not have
    assert "answered 404: model 'google/gemini-2.5-flash' not found" in str(error.value)
    assert "list_models()" in str(error.value)


def test_a_server_that_never_answers_is_a_timeout_error_and_the_next_call_works(ai, server, monkeypatch):
    monkeypatch.setenv("LOCALAB_AI_BASE_URL", server)
    monkeypatch.setenv("LOCALAB_AI_TIMEOUT", "1")
    started = time.monotonic()
    with pytest.raises(ai.ModelProxyServiceError) as error:
        ai.generate_text("hi", model_name="silent")
    assert time.monotonic() - started < 4
    assert "did not answer within 1 s" in str(error.value) and "LOCALAB_AI_TIMEOUT" in str(error.value)
    assert ai.generate_text("hi", model_name="tiny-llama") == "Paris is the capital."


def test_nothing_configured_names_both_settings(ai):
    with pytest.raises(ai.ModelProxyServiceError) as error:
        ai.list_models()
    assert "LOCALAB_AI_BASE_URL" in str(error.value) and "LOCALAB_AI_API_KEY" in str(error.value)
    assert "localab secret set" in str(error.value)


def test_a_server_that_is_not_running_is_named(ai, monkeypatch):
    monkeypatch.setenv("LOCALAB_AI_BASE_URL", "http://127.0.0.1:9/v1")
    with pytest.raises(ai.ModelProxyServiceError) as error:
        ai.list_models()
    assert str(error.value).startswith("cannot reach http://127.0.0.1:9/v1/models")


@pytest.mark.parametrize("call, message", [
    (lambda ai: ai.generate_text(""), "Prompt cannot be empty."),
    (lambda ai: ai.generate_text(["a", "list"]), "Prompt must be a string."),
    (lambda ai: ai.generate_text("hi", model_name=3), "model_name must be a model's name"),
])
def test_bad_input_is_a_value_error(ai, server, monkeypatch, call, message):
    monkeypatch.setenv("LOCALAB_AI_BASE_URL", server)
    with pytest.raises(ValueError) as error:
        call(ai)
    assert str(error.value).startswith(message)
    assert OpenAICompatible.seen == [], "nothing was sent"


@pytest.mark.parametrize("url", ["ftp://models.example/v1", "127.0.0.1:8080/v1", "file:///etc/passwd"])
def test_an_endpoint_that_is_not_http_is_refused(ai, monkeypatch, url):
    monkeypatch.setenv("LOCALAB_AI_BASE_URL", url)
    with pytest.raises(ValueError) as error:
        ai.list_models()
    assert "is not an http(s) URL" in str(error.value)
