"""ChatGLM3's reply format as the vLLM tool-call plugin reads it (scripts/vllm/chatglm3_tool_calls.py).
Needs only the standard library; the plugin itself needs vLLM and was run against a live one (README)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "vllm"))
from chatglm3_tool_calls import split_reply, tool_call_arguments  # noqa: E402

TOOLS = {"get_weather", "search"}


class ToolCallArgumentsTests(unittest.TestCase):
    def test_a_fenced_call_gives_its_keyword_literals(self):
        block = "```python\ntool_call(city='北京', days=3, metric=True, hint=None, tags=('a', \"b\"), extra={'k': [1, 2.5]})\n```"
        self.assertEqual(tool_call_arguments(block),
                         {"city": "北京", "days": 3, "metric": True, "hint": None, "tags": ("a", "b"), "extra": {"k": [1, 2.5]}})

    def test_anything_but_literal_keywords_is_refused(self):
        for block in ["```python\ntool_call(__import__('os').system('rm -rf /'))\n```",
                      "```python\ntool_call(city=open('/etc/passwd').read())\n```",
                      "```python\ntool_call('Paris')\n```",
                      "```python\ntool_call(**{'city': 'Paris'})\n```",
                      "```python\nother(city='Paris')\n```",
                      "```python\ntool_call(city='Paris'); print(1)\n```",
                      "```python\ntool_call(city='Paris'\n```"]:
            self.assertIsNone(tool_call_arguments(block), block)


class SplitReplyTests(unittest.TestCase):
    def test_a_plain_answer_is_text(self):
        self.assertEqual(split_reply("\n 你好, Paris.", TOOLS), ("你好, Paris.", []))

    def test_a_call_ends_at_the_observation_token(self):
        reply = "get_weather\n ```python\ntool_call(city='Paris')\n```<|observation|>"
        self.assertEqual(split_reply(reply, TOOLS), ("", [("get_weather", {"city": "Paris"})]))

    def test_text_then_a_call_behind_a_second_header(self):
        reply = "\n Let me look that up.<|assistant|>search\n ```python\ntool_call(query=\"天气\")\n```"
        self.assertEqual(split_reply(reply, TOOLS), ("Let me look that up.", [("search", {"query": "天气"})]))

    def test_a_name_that_is_no_tool_or_a_broken_block_stays_text(self):
        text, calls = split_reply("delete_all\n ```python\ntool_call(x=1)\n```", TOOLS)
        self.assertEqual(calls, [])
        self.assertIn("delete_all", text)
        text, calls = split_reply("get_weather\n ```python\ntool_call(city=city)\n```", TOOLS)
        self.assertEqual(calls, [])
        self.assertIn("tool_call(city=city)", text)


if __name__ == "__main__":
    unittest.main()
