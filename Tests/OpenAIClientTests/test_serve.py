"""The official openai Python client against `glmchat serve` on the tiny fixture model.

Answers are checked against the oracle (the original modeling_chatglm.py in float32, greedy), so
the server runs the model with --type f32. Run: python -m unittest discover -s Tests/OpenAIClientTests
"""
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import openai

from serve_support import TINY_MODEL, TINY_NAME, Server, binary, oracle_cases, write_script

API_KEY = "test-key-42"
CASES = oracle_cases()


def oracle_chat(case):
    """An oracle chat case as OpenAI messages and tools (a tool turn as tool_calls, an observation as a tool message)."""
    messages, tools = [], None
    for turn in case["history"]:
        if "tools" in turn:
            tools = [{"type": "function", "function": tool} for tool in turn["tools"]]
            continue
        if turn["role"] == "assistant" and turn.get("metadata"):
            messages.append({"role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": turn["metadata"], "arguments": json.dumps({"location": "beijing", "unit": "celsius"})}}]})
        else:
            messages.append({"role": turn["role"], "content": turn["content"]})
    if case["role"] == "observation":
        messages.append({"role": "tool", "tool_call_id": "call_1", "content": case["query"]})
    else:
        messages.append({"role": case["role"], "content": case["query"]})
    return messages, tools


class TinyModelTests(unittest.TestCase):
    """One server, the tiny model in float32, an API key from GLMCHAT_API_KEY."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--model", TINY_MODEL, "--type", "f32", env={"GLMCHAT_API_KEY": API_KEY})
        cls.client = cls.server.client(api_key=API_KEY, timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_models_health_and_metrics(self):
        models = self.client.models.list()
        self.assertEqual([model.id for model in models.data], [TINY_NAME])
        status, _, body = self.server.request("GET", "/health")
        self.assertEqual((status, body), (200, {"status": "ok"}))
        status, headers, text = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("text/plain", headers["Content-Type"])
        for family in ["glmchat_requests_total", "glmchat_generated_tokens_total", "glmchat_requests_queued",
                       "glmchat_generation_tokens_per_second"]:
            self.assertIn("# TYPE " + family, text)

    def test_whole_answers_equal_the_oracle(self):
        for name in ["multi_turn_chat", "tool_observation_chat"]:
            case = CASES[name]
            messages, tools = oracle_chat(case)
            extra = {"tools": tools} if tools else {}
            reply = self.client.chat.completions.create(model=TINY_NAME, messages=messages, temperature=0,
                                                        max_tokens=16, **extra)
            choice = reply.choices[0]
            self.assertEqual(choice.message.content, case["greedy"]["text"], name)
            self.assertEqual(choice.finish_reason, "length")
            self.assertEqual(reply.object, "chat.completion")
            self.assertEqual(reply.usage.prompt_tokens, len(case["input_ids"]))
            self.assertEqual(reply.usage.completion_tokens, 16)
            self.assertEqual(reply.usage.total_tokens, len(case["input_ids"]) + 16)

    def test_streamed_answer_with_usage_equals_the_oracle(self):
        case = CASES["multi_turn_chat"]
        messages, _ = oracle_chat(case)
        chunks = list(self.client.chat.completions.create(
            model=TINY_NAME, messages=messages, temperature=0, max_tokens=16, stream=True,
            stream_options={"include_usage": True}))
        self.assertEqual(chunks[0].choices[0].delta.role, "assistant")
        self.assertTrue(all(chunk.object == "chat.completion.chunk" for chunk in chunks))
        self.assertEqual(len({chunk.id for chunk in chunks}), 1)
        text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
        self.assertEqual(text, case["greedy"]["text"])
        self.assertEqual(chunks[-2].choices[0].finish_reason, "length")
        self.assertEqual(chunks[-1].choices, [])
        self.assertEqual(chunks[-1].usage.completion_tokens, 16)
        self.assertEqual(chunks[-1].usage.prompt_tokens, len(case["input_ids"]))
        self.assertTrue(all(chunk.usage is None for chunk in chunks[:-1]))

    def test_streamed_answer_without_usage_has_no_usage_chunk(self):
        chunks = list(self.client.chat.completions.create(
            model=TINY_NAME, messages=[{"role": "user", "content": "hi"}], max_tokens=4, seed=5, stream=True))
        self.assertTrue(all(chunk.choices for chunk in chunks))
        self.assertIsNotNone(chunks[-1].choices[0].finish_reason)

    def test_stop_strings_cut_the_answer_before_them(self):
        case = CASES["multi_turn_chat"]
        messages, _ = oracle_chat(case)
        expected = case["greedy"]["text"]
        stop = "it数"
        self.assertIn(stop, expected)
        reply = self.client.chat.completions.create(model=TINY_NAME, messages=messages, temperature=0, max_tokens=16,
                                                    stop=["never there", stop])
        self.assertEqual(reply.choices[0].message.content, expected[:expected.index(stop)])
        self.assertEqual(reply.choices[0].finish_reason, "stop")
        chunks = list(self.client.chat.completions.create(model=TINY_NAME, messages=messages, temperature=0,
                                                          max_tokens=16, stop=stop, stream=True))
        self.assertEqual("".join(chunk.choices[0].delta.content or "" for chunk in chunks), expected[:expected.index(stop)])
        self.assertEqual(chunks[-1].choices[0].finish_reason, "stop")

    def test_a_continued_conversation_reuses_the_cached_prefix(self):
        first_turn = [{"role": "user", "content": "Tell me about Paris."}]
        first = self.client.chat.completions.create(model=TINY_NAME, messages=first_turn, temperature=0, max_tokens=6)
        second_turn = first_turn + [{"role": "assistant", "content": first.choices[0].message.content},
                                    {"role": "user", "content": "And Rome?"}]
        second = self.client.chat.completions.create(model=TINY_NAME, messages=second_turn, temperature=0, max_tokens=6)
        self.assertGreaterEqual(second.usage.prompt_tokens_details.cached_tokens, first.usage.prompt_tokens)
        self.assertGreater(second.usage.prompt_tokens, first.usage.prompt_tokens + first.usage.completion_tokens)

    def test_two_users_taking_turns_each_continue_from_their_cached_conversation(self):
        def turn(messages):
            reply = self.client.chat.completions.create(model=TINY_NAME, messages=messages, temperature=0, max_tokens=6)
            return messages + [{"role": "assistant", "content": reply.choices[0].message.content}], reply.usage
        alice, _ = turn([{"role": "user", "content": "Tell me about Paris, its river, its bridges and its museums. " * 4}])
        bob, _ = turn([{"role": "system", "content": "You answer briefly."},
                       {"role": "user", "content": "Explain how a steam engine turns heat into motion. " * 4}])
        alice, alice_usage = turn(alice + [{"role": "user", "content": "And Rome?"}])
        bob, bob_usage = turn(bob + [{"role": "user", "content": "And a turbine?"}])
        # Each found its own earlier turn kept, though the other's conversation was in the cache.
        self.assertGreater(alice_usage.prompt_tokens_details.cached_tokens, 60)
        self.assertGreater(bob_usage.prompt_tokens_details.cached_tokens, 60)

    def test_plain_completions_equal_the_oracle(self):
        for name in ["english", "mixed"]:
            case = CASES[name]
            reply = self.client.completions.create(model=TINY_NAME, prompt=case["text"], temperature=0, max_tokens=16)
            self.assertEqual(reply.choices[0].text, case["greedy"]["text"], name)
            self.assertEqual(reply.usage.prompt_tokens, len(case["input_ids"]))
            streamed = self.client.completions.create(model=TINY_NAME, prompt=case["text"], temperature=0,
                                                      max_tokens=16, stream=True)
            self.assertEqual("".join(chunk.choices[0].text for chunk in streamed), case["greedy"]["text"], name)

    def test_tokenize_gives_the_oracle_prompt_ids(self):
        auth = {"Authorization": "Bearer " + API_KEY}
        for name in ["multi_turn_chat", "tool_observation_chat"]:
            case = CASES[name]
            messages, tools = oracle_chat(case)
            body = {"model": TINY_NAME, "messages": messages, **({"tools": tools} if tools else {})}
            status, _, reply = self.server.request("POST", "/tokenize", body, headers=auth)
            self.assertEqual(status, 200)
            self.assertEqual(reply["tokens"], case["input_ids"], name)
            self.assertEqual(reply["count"], len(case["input_ids"]))
        case = CASES["english"]
        status, _, reply = self.server.request("POST", "/tokenize", {"prompt": case["text"]}, headers=auth)
        self.assertEqual(reply["tokens"], case["input_ids"])
        # The text round trip: the oracle's own decode, special tokens included, byte for byte.
        for name in ["english", "mixed", "multi_turn_chat", "tool_observation_chat"]:
            case = CASES[name]
            status, _, reply = self.server.request("POST", "/detokenize", {"tokens": case["input_ids"]}, headers=auth)
            self.assertEqual((status, reply["prompt"]), (200, case["prompt_text_decoded"]), name)
        self.assertIn("<|user|>\n What is", CASES["multi_turn_chat"]["prompt_text_decoded"])
        status, _, reply = self.server.request("POST", "/detokenize", {"tokens": [5000]}, headers=auth)
        self.assertEqual((status, reply["error"]["param"]), (400, "tokens[0]"))

    def assert_error(self, error, status, param=None, code=None):
        self.assertEqual(error.status_code, status)
        body = error.response.json()["error"]
        self.assertEqual(set(body), {"message", "type", "param", "code"})
        self.assertTrue(body["message"])
        if param is not None:
            self.assertEqual(body["param"], param)
        if code is not None:
            self.assertEqual(body["code"], code)

    def test_bad_fields_are_400_naming_the_field(self):
        user = [{"role": "user", "content": "hi"}]
        for fields, param in [({"temperature": 5}, "temperature"), ({"presence_penalty": 0.5}, "presence_penalty"),
                              ({"frequency_penalty": -1}, "frequency_penalty"), ({"n": 2}, "n"),
                              ({"extra_body": {"stop": 7}}, "stop")]:
            with self.assertRaises(openai.BadRequestError) as raised:
                self.client.chat.completions.create(model=TINY_NAME, messages=user, max_tokens=2, **fields)
            self.assert_error(raised.exception, 400, param=param)
        with self.assertRaises(openai.BadRequestError) as raised:
            self.client.chat.completions.create(model=TINY_NAME, messages=[{"role": "pirate", "content": "arr"}])
        self.assert_error(raised.exception, 400, param="messages[0].role")

    def test_a_body_that_is_not_json_is_400(self):
        status, _, body = self.server.request("POST", "/v1/chat/completions", raw=b"{not json",
                                              headers={"Authorization": "Bearer " + API_KEY})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["type"], "invalid_request_error")
        self.assertIn("not valid JSON", body["error"]["message"])

    def test_a_missing_or_wrong_key_is_401(self):
        wrong = self.server.client(api_key="not-the-key")
        with self.assertRaises(openai.AuthenticationError) as raised:
            wrong.models.list()
        self.assert_error(raised.exception, 401, code="invalid_api_key")
        status, _, body = self.server.request("GET", "/v1/models")
        self.assertEqual((status, body["error"]["code"]), (401, "invalid_api_key"))
        self.assertEqual(self.server.request("GET", "/health")[0], 200)

    def test_an_unknown_model_is_404(self):
        with self.assertRaises(openai.NotFoundError) as raised:
            self.client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "hi"}])
        self.assert_error(raised.exception, 404, param="model", code="model_not_found")

    def test_a_body_over_the_limit_is_413(self):
        with self.assertRaises(openai.APIStatusError) as raised:
            self.client.chat.completions.create(model=TINY_NAME, messages=[{"role": "user", "content": "a" * 5_000_000}])
        self.assert_error(raised.exception, 413, code="request_too_large")

    def test_one_prompt_longer_than_the_window_is_context_length_exceeded(self):
        with self.assertRaises(openai.BadRequestError) as raised:
            self.client.chat.completions.create(model=TINY_NAME, messages=[{"role": "user", "content": "你好 " * 600}])
        self.assert_error(raised.exception, 400, param="messages", code="context_length_exceeded")

    def test_a_long_conversation_slides_instead(self):
        history = []
        for turn in range(12):
            history += [{"role": "user", "content": f"question {turn}: " + "tell me more " * 10},
                        {"role": "assistant", "content": f"answer {turn}: " + "here is more " * 10}]
        status, _, counted = self.server.request("POST", "/tokenize", {"messages": history + [{"role": "user", "content": "and?"}]},
                                                 headers={"Authorization": "Bearer " + API_KEY})
        self.assertGreater(counted["count"], 512, "the conversation must be longer than the window")
        reply = self.client.chat.completions.create(model=TINY_NAME, messages=history + [{"role": "user", "content": "and?"}],
                                                    max_tokens=4, seed=1)
        self.assertEqual(reply.usage.completion_tokens, 4)

    # An answer longer than the window (it slides): no machine writes it in the seconds these tests wait.
    endless = 20000

    def test_a_client_that_disconnects_stops_its_answer(self):
        before = self.server.metric("glmchat_answers_cancelled_total", 'reason="disconnect"')
        generated_before = self.server.metric("glmchat_generated_tokens_total", f'model="{TINY_NAME}"')
        stream = self.client.chat.completions.create(model=TINY_NAME, messages=[{"role": "user", "content": "hi"}],
                                                     temperature=0, max_tokens=self.endless, stream=True)
        chunks = iter(stream)
        next(chunks)
        self.assertTrue(next(chunks).choices[0].delta.content)
        stream.close()
        after = self.server.wait_for_metric("glmchat_answers_cancelled_total", 'reason="disconnect"', lambda value: value > before)
        self.assertEqual(after, before + 1)
        self.assertEqual(self.server.wait_for_metric("glmchat_requests_running", f'model="{TINY_NAME}"', lambda value: value == 0), 0)
        generated = self.server.metric("glmchat_generated_tokens_total", f'model="{TINY_NAME}"') - generated_before
        self.assertLess(generated, self.endless, "the answer went on after the client left")
        reply = self.client.chat.completions.create(model=TINY_NAME, messages=[{"role": "user", "content": "hi"}], max_tokens=2)
        self.assertEqual(reply.usage.completion_tokens, 2)

    def test_run_remote_answers_as_run_local(self):
        prompt = "What is the capital of France?"
        sampling = ["--temperature", "0", "--max-tokens", "16", "--seed", "1"]
        local = subprocess.run([binary(), "run", "--model", TINY_MODEL, "--type", "f32", *sampling, prompt],
                               capture_output=True, text=True, timeout=300)
        remote = subprocess.run([binary(), "run", "--remote", self.server.base_url, "--remote-model", TINY_NAME,
                                 "--api-key-env", "TEST_KEY", *sampling, prompt],
                                capture_output=True, text=True, timeout=300, env=dict(os.environ, TEST_KEY=API_KEY))
        self.assertEqual(local.returncode, 0, local.stderr)
        self.assertEqual(remote.returncode, 0, remote.stderr)
        self.assertTrue(local.stdout.strip())
        self.assertEqual(remote.stdout, local.stdout)

    def test_run_remote_reports_the_servers_error(self):
        remote = subprocess.run([binary(), "run", "--remote", self.server.base_url, "--remote-model", TINY_NAME, "hi"],
                                capture_output=True, text=True, timeout=120)
        self.assertNotEqual(remote.returncode, 0)
        self.assertIn("Missing API key", remote.stderr)


WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
                   "required": ["city"]}}}
CALL_REPLY = "get_weather\n ```python\ntool_call(city='Paris', unit=\"celsius\")\n```"
ANSWER_REPLY = "\n It is 22 °C in Paris."


class ToolRoundTripTests(unittest.TestCase):
    """A scripted model (`--scripted`) that calls a tool, then answers from its result."""

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory()
        script = write_script(cls.directory.name, [CALL_REPLY, ANSWER_REPLY], name="scripted-glm")
        cls.server = Server("--scripted", script)
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.directory.cleanup()

    question = [{"role": "user", "content": "What is the weather in Paris?"}]

    def test_a_tool_call_and_its_result_whole(self):
        first = self.client.chat.completions.create(model="scripted-glm", messages=self.question, tools=[WEATHER_TOOL])
        choice = first.choices[0]
        self.assertEqual(choice.finish_reason, "tool_calls")
        self.assertIsNone(choice.message.content)
        [call] = choice.message.tool_calls
        self.assertEqual((call.type, call.function.name), ("function", "get_weather"))
        self.assertTrue(call.id.startswith("call_"))
        self.assertEqual(json.loads(call.function.arguments), {"city": "Paris", "unit": "celsius"})
        messages = self.question + [choice.message.model_dump(exclude_none=True),
                                    {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temperature": 22})}]
        second = self.client.chat.completions.create(model="scripted-glm", messages=messages, tools=[WEATHER_TOOL])
        self.assertEqual(second.choices[0].message.content, "It is 22 °C in Paris.")
        self.assertEqual(second.choices[0].finish_reason, "stop")

    def test_a_tool_call_streamed(self):
        chunks = list(self.client.chat.completions.create(model="scripted-glm", messages=self.question,
                                                          tools=[WEATHER_TOOL], stream=True))
        calls = [call for chunk in chunks for call in (chunk.choices[0].delta.tool_calls or [])]
        self.assertEqual(len(calls), 1)
        self.assertEqual((calls[0].index, calls[0].function.name), (0, "get_weather"))
        self.assertEqual(json.loads(calls[0].function.arguments), {"city": "Paris", "unit": "celsius"})
        self.assertEqual(chunks[-1].choices[0].finish_reason, "tool_calls")
        self.assertEqual("".join(chunk.choices[0].delta.content or "" for chunk in chunks), "")
        answer = list(self.client.chat.completions.create(model="scripted-glm", messages=self.question, stream=True))
        self.assertEqual("".join(chunk.choices[0].delta.content or "" for chunk in answer), "It is 22 °C in Paris.")

    def test_the_legacy_functions_fields(self):
        first = self.client.chat.completions.create(model="scripted-glm", messages=self.question,
                                                    functions=[WEATHER_TOOL["function"]])
        choice = first.choices[0]
        self.assertEqual(choice.finish_reason, "function_call")
        self.assertEqual(choice.message.function_call.name, "get_weather")
        messages = self.question + [{"role": "assistant", "content": None, "function_call": choice.message.function_call.model_dump()},
                                    {"role": "function", "name": "get_weather", "content": "22"}]
        second = self.client.chat.completions.create(model="scripted-glm", messages=messages, functions=[WEATHER_TOOL["function"]])
        self.assertEqual(second.choices[0].message.content, "It is 22 °C in Paris.")


    def test_listening_beyond_loopback_without_a_key_warns(self):
        script = write_script(self.directory.name, [ANSWER_REPLY], name="open")
        server = Server("--scripted", script, "--host", "0.0.0.0")
        try:
            self.assertTrue(any("warning" in line and "without an API key" in line for line in server.log), server.log)
        finally:
            server.close()


class ManyClientsTests(unittest.TestCase):
    """`--parallel 8`: eight clients at once; their answers decode together (continuous batching)."""

    def test_eight_concurrent_clients_get_their_single_client_answers(self):
        # 0.3 MiB: 614 positions of the tiny model's f32 cache, fewer than the eight answers need at once,
        # so some wait for others to finish.
        budget_mb = 0.3
        server = Server("--model", TINY_MODEL, "--type", "f32", "--parallel", "8", "--kv-budget-mb", str(budget_mb))
        try:
            client = server.client(timeout=300)
            oracle = [CASES[name] for name in ["multi_turn_chat", "tool_observation_chat"]]
            requests = [oracle_chat(case) for case in oracle]
            requests += [([{"role": "user", "content": f"Question {index}: what is {index} + {index}?"}], None) for index in range(6)]

            def ask(request, seed):
                messages, tools = request
                reply = client.chat.completions.create(model=TINY_NAME, messages=messages, max_tokens=24, seed=seed,
                                                       temperature=0.8, top_p=0.8, **({"tools": tools} if tools else {}))
                return reply.choices[0].message.content, reply.usage.completion_tokens

            alone = [ask(request, 1000 + index) for index, request in enumerate(requests)]
            with ThreadPoolExecutor(max_workers=8) as pool:
                together = list(pool.map(lambda item: ask(item[1], 1000 + item[0]), enumerate(requests)))
            self.assertEqual(together, alone)
            greedy = [client.chat.completions.create(model=TINY_NAME, messages=oracle_chat(case)[0], max_tokens=16,
                                                     temperature=0, **({"tools": oracle_chat(case)[1]} if oracle_chat(case)[1] else {}))
                      for case in oracle]
            self.assertEqual([reply.choices[0].message.content for reply in greedy], [case["greedy"]["text"] for case in oracle])
            budget = server.metric("glmchat_kv_budget_bytes", f'model="{TINY_NAME}"')
            self.assertEqual(budget, int(budget_mb * 1048576))
            peak = server.metric("glmchat_kv_reserved_peak_bytes", f'model="{TINY_NAME}"')
            self.assertGreater(peak, 0)
            self.assertLessEqual(peak, budget)
            self.assertEqual(server.wait_for_metric("glmchat_batch_running", f'model="{TINY_NAME}"', lambda v: v == 0), 0)
        finally:
            server.close()

    def test_a_continued_conversation_reads_only_its_new_part_when_batching(self):
        server = Server("--model", TINY_MODEL, "--type", "f32", "--parallel", "4")
        try:
            client = server.client(timeout=120)
            first_turn = [{"role": "user", "content": "Tell me about Paris."}]
            first = client.chat.completions.create(model=TINY_NAME, messages=first_turn, temperature=0, max_tokens=6)
            self.assertEqual(first.usage.prompt_tokens_details.cached_tokens, 0)
            second_turn = first_turn + [{"role": "assistant", "content": first.choices[0].message.content},
                                        {"role": "user", "content": "And Rome?"}]
            second = client.chat.completions.create(model=TINY_NAME, messages=second_turn, temperature=0, max_tokens=6)
            self.assertGreaterEqual(second.usage.prompt_tokens_details.cached_tokens, first.usage.prompt_tokens)
            kept = server.metric("glmchat_kv_prefix_cache_bytes", f'model="{TINY_NAME}"')
            self.assertGreater(kept, 0)
            # The same conversation read whole by a fresh server answers the same.
            fresh = Server("--model", TINY_MODEL, "--type", "f32", "--parallel", "4")
            try:
                fresh_client = fresh.client(timeout=120)
                whole = fresh_client.chat.completions.create(model=TINY_NAME, messages=second_turn, temperature=0, max_tokens=6)
                self.assertEqual(whole.usage.prompt_tokens_details.cached_tokens, 0)
                self.assertEqual(whole.choices[0].message.content, second.choices[0].message.content)
            finally:
                fresh.close()
        finally:
            server.close()

    @staticmethod
    def two_at_once(server_args, messages, max_tokens, metrics):
        """Two clients ask `messages` at once of a server started with `server_args`: their replies, and the
        server's `glmchat_<name>_total` for each of `metrics` afterwards."""
        server = Server("--model", TINY_MODEL, "--type", "q4_0", *server_args)
        try:
            client = server.client(timeout=120)
            with ThreadPoolExecutor(max_workers=2) as pool:
                replies = list(pool.map(lambda _: client.chat.completions.create(
                    model=TINY_NAME, messages=messages, temperature=0, max_tokens=max_tokens), range(2)))
            return replies, {name: server.metric(f"glmchat_{name}_total", f'model="{TINY_NAME}"') for name in metrics}
        finally:
            server.close()

    def test_batched_answers_speculate_and_answer_as_without(self):
        # Q4_0 weights: only block-quantized batches compute every row as a lone row, so only they speculate.
        passage = "The quick brown fox jumps over the lazy dog. " * 4
        messages = [{"role": "user", "content": "Repeat this passage: " + passage}]
        answers, drafted, accepted = {}, {}, {}
        for mode in ("ngram", "off"):
            replies, counted = self.two_at_once(("--parallel", "2", "--speculate", mode), messages, 60,
                                                ("draft_tokens", "draft_tokens_accepted"))
            answers[mode] = [reply.choices[0].message.content for reply in replies]
            drafted[mode], accepted[mode] = counted["draft_tokens"], counted["draft_tokens_accepted"]
        self.assertEqual(answers["ngram"], answers["off"])
        self.assertEqual(answers["ngram"][0], answers["ngram"][1])
        self.assertGreater(drafted["ngram"], 0)
        self.assertGreater(accepted["ngram"], 0)
        self.assertLessEqual(accepted["ngram"], drafted["ngram"])
        self.assertEqual(drafted["off"], 0)

    def test_batched_answers_slide_with_their_kept_part_read_ahead(self):
        messages = [{"role": "user", "content": "Tell me a long story about a fox."}]
        answers, metrics = {}, {}
        for parallel in ("2", "1"):
            replies, metrics[parallel] = self.two_at_once(
                ("--ctx-size", "64", "--parallel", parallel), messages, 200,
                ("slides", "slide_tokens_read_ahead", "slide_tokens_read_at_slide"))
            answers[parallel] = [reply.choices[0].message.content for reply in replies]
            self.assertEqual([reply.usage.completion_tokens for reply in replies], [200, 200])
        # Decoded together, each answer is the engine's, slides and all.
        self.assertEqual(answers["2"], answers["1"])
        for parallel in ("2", "1"):
            slid = metrics[parallel]
            self.assertGreaterEqual(slid["slides"], 8, parallel)
            # After each answer's first slide (whose kept part the prompt filled) only the token that overflowed is
            # read there.
            self.assertGreater(slid["slide_tokens_read_ahead"], 5 * slid["slide_tokens_read_at_slide"], parallel)

    def test_a_client_that_disconnects_stops_its_batched_answer_and_the_other_goes_on(self):
        server = Server("--model", TINY_MODEL, "--type", "f32", "--parallel", "2")
        try:
            client = server.client(timeout=120)
            endless = TinyModelTests.endless
            other = ThreadPoolExecutor(max_workers=1).submit(
                lambda: client.chat.completions.create(model=TINY_NAME, messages=oracle_chat(CASES["multi_turn_chat"])[0],
                                                       temperature=0, max_tokens=16))
            stream = client.chat.completions.create(model=TINY_NAME, messages=[{"role": "user", "content": "hi"}],
                                                    temperature=0, max_tokens=endless, stream=True)
            chunks = iter(stream)
            next(chunks)
            self.assertTrue(next(chunks).choices[0].delta.content)
            stream.close()
            after = server.wait_for_metric("glmchat_answers_cancelled_total", 'reason="disconnect"', lambda value: value >= 1)
            self.assertEqual(after, 1)
            self.assertEqual(other.result().choices[0].message.content, CASES["multi_turn_chat"]["greedy"]["text"])
            self.assertEqual(server.wait_for_metric("glmchat_batch_running", f'model="{TINY_NAME}"', lambda v: v == 0), 0)
            generated = server.metric("glmchat_generated_tokens_total", f'model="{TINY_NAME}"')
            self.assertLess(generated, endless, "the answer went on after the client left")
        finally:
            server.close()


class TokenizerTests(unittest.TestCase):
    """A model with no tokenizer of its own: `--tokenizer`, or `tokenizer` on its config.toml entry."""

    def test_a_model_without_a_tokenizer_takes_the_one_given(self):
        with tempfile.TemporaryDirectory() as directory:
            checkpoint = os.path.join(directory, "bare-model")
            os.mkdir(checkpoint)
            for name in ["config.json", "model.safetensors"]:
                os.symlink(os.path.join(TINY_MODEL, name), os.path.join(checkpoint, name))
            tokenizer = os.path.join(TINY_MODEL, "tokenizer.model")
            refused = subprocess.run([binary(), "serve", "--model", checkpoint, "--port", "0"], capture_output=True,
                                     text=True, timeout=60, env=dict(os.environ, XDG_CONFIG_HOME=directory))
            self.assertNotEqual(refused.returncode, 0)
            self.assertIn("--tokenizer", refused.stderr)
            config = os.path.join(directory, "glmchat")
            os.mkdir(config)
            with open(os.path.join(config, "config.toml"), "w", encoding="utf-8") as file:
                file.write(f'[[models]]\nname = "bare"\nkind = "chat"\npath = "{checkpoint}"\ntokenizer = "{tokenizer}"\n')
            case = CASES["multi_turn_chat"]
            messages, _ = oracle_chat(case)
            for arguments, name in [(["--model", checkpoint, "--tokenizer", tokenizer], "bare-model"), ([], "bare")]:
                server = Server(*arguments, "--type", "f32", env={"XDG_CONFIG_HOME": directory})
                try:
                    client = server.client(timeout=120)
                    reply = client.chat.completions.create(model=name, messages=messages, temperature=0, max_tokens=16)
                    self.assertEqual(reply.choices[0].message.content, case["greedy"]["text"], name)
                    self.assertEqual(reply.usage.prompt_tokens, len(case["input_ids"]))
                finally:
                    server.close()


class MemoryBudgetTests(unittest.TestCase):
    """An answer that alone needs more KV memory than `--kv-budget-mb` is a 400 before it starts, never a 500."""

    def test_prompt_and_max_tokens_beyond_the_budget_are_context_length_exceeded(self):
        # 0.1 MiB: 204 positions of the tiny model's f32 cache (its window is 512).
        server = Server("--model", TINY_MODEL, "--type", "f32", "--parallel", "2", "--kv-budget-mb", "0.1")
        try:
            client = server.client(timeout=120)
            messages = [{"role": "user", "content": "hi"}]
            for stream in [False, True]:
                with self.assertRaises(openai.BadRequestError) as raised:
                    client.chat.completions.create(model=TINY_NAME, messages=messages, max_tokens=300, stream=stream)
                TinyModelTests.assert_error(self, raised.exception, 400, param="max_tokens", code="context_length_exceeded")
                self.assertIn("at most", raised.exception.response.json()["error"]["message"])
            with self.assertRaises(openai.BadRequestError) as raised:       # no max_tokens: the window
                client.chat.completions.create(model=TINY_NAME, messages=messages)
            TinyModelTests.assert_error(self, raised.exception, 400, param="max_tokens", code="context_length_exceeded")
            with self.assertRaises(openai.BadRequestError) as raised:
                client.completions.create(model=TINY_NAME, prompt="Once upon a time", max_tokens=300)
            TinyModelTests.assert_error(self, raised.exception, 400, param="max_tokens", code="context_length_exceeded")
            long_prompt = "tell me more " * 40
            _, _, counted = server.request("POST", "/tokenize", {"prompt": long_prompt})
            self.assertTrue(204 <= counted["count"] < 512, counted["count"])       # over the budget, inside the window
            with self.assertRaises(openai.BadRequestError) as raised:       # the prompt alone
                client.completions.create(model=TINY_NAME, prompt=long_prompt, max_tokens=4)
            TinyModelTests.assert_error(self, raised.exception, 400, param="prompt", code="context_length_exceeded")
            reply = client.chat.completions.create(model=TINY_NAME, messages=messages, max_tokens=8, temperature=0)
            self.assertLessEqual(reply.usage.completion_tokens, 8)
            _, _, metrics = server.request("GET", "/metrics")
            self.assertIn('status="400"', metrics)
            self.assertNotIn('status="500"', metrics)
        finally:
            server.close()


class BusyAndShutdownTests(unittest.TestCase):
    """Servers of their own: a full queue, and SIGTERM while an answer streams."""

    long_answer = dict(model=TINY_NAME, messages=[{"role": "user", "content": "hi"}], temperature=0,
                       max_tokens=TinyModelTests.endless, stream=True)

    def test_a_full_queue_is_503_with_retry_after(self):
        server = Server("--model", TINY_MODEL, "--parallel", "1", "--queue", "0")
        try:
            client = server.client()
            running = client.chat.completions.create(**self.long_answer)
            next(iter(running))
            with self.assertRaises(openai.APIStatusError) as raised:
                client.chat.completions.create(model=TINY_NAME, messages=[{"role": "user", "content": "me too"}], max_tokens=2)
            self.assertEqual(raised.exception.status_code, 503)
            self.assertEqual(raised.exception.response.json()["error"]["code"], "server_overloaded")
            self.assertGreaterEqual(int(raised.exception.response.headers["Retry-After"]), 1)
            running.close()
            self.assertEqual(server.wait_for_metric("glmchat_requests_running", f'model="{TINY_NAME}"', lambda v: v == 0), 0)
            reply = client.chat.completions.create(model=TINY_NAME, messages=[{"role": "user", "content": "now"}], max_tokens=2)
            self.assertEqual(reply.usage.completion_tokens, 2)
        finally:
            server.close()

    def test_sigterm_mid_stream_ends_the_answer_and_exits_within_seconds(self):
        server = Server("--model", TINY_MODEL, "--shutdown-grace", "1")
        try:
            client = server.client()
            stream = client.chat.completions.create(**self.long_answer)
            chunks = iter(stream)
            next(chunks)
            received = [next(chunks)]
            signalled = time.monotonic()
            server.terminate()
            ended_with = None
            try:
                received += list(chunks)
            except openai.APIError as error:
                ended_with = error
            self.assertIsNotNone(ended_with, "the answer cannot finish within the one-second grace")
            self.assertIn("shutting down", str(ended_with))
            self.assertEqual(server.process.wait(10), 0)
            self.assertLess(time.monotonic() - signalled, 10)
            self.assertTrue(any("shutting down" in line for line in server.log), server.log)
        finally:
            server.kill()


if __name__ == "__main__":
    unittest.main()
