"""ChatGLM3's tool calls for vLLM: a tool-call parser plugin, so that vLLM serving ChatGLM3 answers a
request's `tools` with `tool_calls`, as glmchat serve does (vLLM has parsers for GLM-4 and later, none
for ChatGLM3's format). Use it with the chat template beside it, which writes the tools into ChatGLM3's
system prompt and earlier calls and results back as ChatGLM3's turns:

    vllm serve THUDM/chatglm3-6b --trust-remote-code --enable-auto-tool-choice \\
        --tool-parser-plugin scripts/vllm/chatglm3_tool_parser.py --tool-call-parser chatglm3 \\
        --chat-template scripts/vllm/chatglm3_tools.jinja

A ChatGLM3 reply is one or more segments behind `<|assistant|>` headers; a segment's first line is its
metadata, the rest its content. Metadata naming one of the request's tools makes the segment a call:
its content is a fenced block "```python\\ntool_call(key=value, ...)\\n```" with keyword arguments in
Python literals, and the reply then ends at `<|observation|>`. The arguments are read as literals
only (`ast.literal_eval`), never run. The request is adjusted so that the headers reach the parser
(special tokens kept in the text) and the reply ends at ChatGLM3's turn ends (`stop_token_ids`).
"""
import json
import os
import sys
from collections.abc import Sequence

from vllm.entrypoints.generate.base.protocol import (
    DeltaFunctionCall,
    DeltaMessage,
    DeltaToolCall,
    ExtractedToolCallInformation,
    FunctionCall,
    ToolCall,
)
from vllm.renderers.chat_utils import make_tool_call_id
from vllm.tool_parsers.abstract_tool_parser import ToolParser, ToolParserManager

# The reply format lives beside this file, free of vLLM, so that it can be tested alone.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chatglm3_tool_calls import ASSISTANT, TRAILING_SPECIALS, TURN_ENDS, split_reply, tool_call_arguments  # noqa: E402


@ToolParserManager.register_module("chatglm3")
class ChatGLM3ToolParser(ToolParser):
    # Required and named tool choices are read from ChatGLM3's own format, not forced into JSON.
    supports_required_and_named = False

    def __init__(self, tokenizer, tools=None):
        super().__init__(tokenizer, tools)
        self.streamed_text = 0
        self.calls_sent = False

    def tool_names(self, request):
        return {t.function.name for t in (request.tools or []) if getattr(t, "function", None)}

    def adjust_request(self, request):
        request = super().adjust_request(request)
        if request.tools and request.tool_choice != "none":
            request.skip_special_tokens = False
            if hasattr(request, "stop_token_ids"):
                request.stop_token_ids = sorted(set(request.stop_token_ids or []) | set(TURN_ENDS))
        return request

    def extract_tool_calls(self, model_output, request):
        text, calls = split_reply(model_output, self.tool_names(request))
        if not calls:
            return ExtractedToolCallInformation(tools_called=False, tool_calls=[], content=text)
        tool_calls = [ToolCall(function=FunctionCall(name=name, arguments=json.dumps(arguments, ensure_ascii=False)))
                      for name, arguments in calls]
        return ExtractedToolCallInformation(tools_called=True, tool_calls=tool_calls, content=text or None)

    def extract_tool_calls_streaming(self, previous_text: str, current_text: str, delta_text: str,
                                     previous_token_ids: Sequence[int], current_token_ids: Sequence[int],
                                     delta_token_ids: Sequence[int], request) -> DeltaMessage | None:
        """Text streams as it comes while it cannot be a call; a segment that names a tool is held back
        until its block closes, then sent as one whole tool call."""
        names = self.tool_names(request)
        segments = TRAILING_SPECIALS.sub("", current_text).split(ASSISTANT)
        last = segments[-1]
        metadata, newline, content = last.partition("\n")
        held = not newline and any(n.startswith(metadata.strip()) for n in names) or metadata.strip() in names
        if held and metadata.strip() in names and not self.calls_sent:
            arguments = tool_call_arguments(content) if content.rstrip().endswith("```") else None
            if arguments is None:
                return None
            self.calls_sent = True
            self.prev_tool_call_arr.append({"name": metadata.strip(), "arguments": arguments})
            self.streamed_args_for_tool.append(json.dumps(arguments, ensure_ascii=False))
            return DeltaMessage(tool_calls=[DeltaToolCall(
                index=0, id=make_tool_call_id(), type="function",
                function=DeltaFunctionCall(name=metadata.strip(), arguments=self.streamed_args_for_tool[-1]
                                           ).model_dump(exclude_none=True))])
        if held or self.calls_sent:
            return None
        # Plain text: everything before the last header's text, minus headers and metadata lines.
        plain, _ = split_reply(current_text, names)
        if len(plain) <= self.streamed_text:
            return None
        delta, self.streamed_text = plain[self.streamed_text:], len(plain)
        return DeltaMessage(content=delta)
