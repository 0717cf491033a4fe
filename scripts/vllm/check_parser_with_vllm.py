"""The plugin with vLLM's own request and message classes: replies whole and fed token by token.

    VLLM_TARGET_DEVICE=cpu python scripts/vllm/check_parser_with_vllm.py MODEL_DIR

MODEL_DIR holds a ChatGLM3 tokenizer (scripts/make_vllm_chatglm3.py writes one). Prints what the parser
makes of a plain reply, a call, and text followed by a call.
"""
import json
import os
import sys
from transformers import AutoTokenizer
from vllm.tool_parsers.abstract_tool_parser import ToolParserManager
from vllm.entrypoints.openai.chat_completion.protocol import ChatCompletionRequest
ToolParserManager.import_tool_parser(os.path.join(os.path.dirname(os.path.abspath(__file__)), "chatglm3_tool_parser.py"))
cls = ToolParserManager.get_tool_parser("chatglm3")
tok = AutoTokenizer.from_pretrained(sys.argv[1], trust_remote_code=True)
tools = [{"type": "function", "function": {"name": "get_weather", "description": "d",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
req = ChatCompletionRequest(model="m", messages=[{"role": "user", "content": "hi"}], tools=tools)
parser = cls(tok, req.tools)
req = parser.adjust_request(req)
print("adjusted: skip_special_tokens", req.skip_special_tokens, "stop_token_ids", req.stop_token_ids)
for reply in ["\n 你好, Paris.", "get_weather\n ```python\ntool_call(city='巴黎')\n```",
              "\n Let me check.<|assistant|>get_weather\n ```python\ntool_call(city='Paris')\n```"]:
    info = cls(tok, req.tools).extract_tool_calls(reply, req)
    print("WHOLE", info.tools_called, [(c.function.name, c.function.arguments) for c in info.tool_calls], repr(info.content))
    ids = tok.encode(reply, add_special_tokens=False)
    p = cls(tok, req.tools)
    prev_text, prev_ids, out = "", [], []
    for i in range(len(ids)):
        cur_ids = ids[:i + 1]
        cur_text = tok.decode(cur_ids)
        d = p.extract_tool_calls_streaming(prev_text, cur_text, cur_text[len(prev_text):], prev_ids, cur_ids, [ids[i]], req)
        if d is not None:
            out.append(d.model_dump(exclude_none=True))
        prev_text, prev_ids = cur_text, cur_ids
    print("STREAM", json.dumps(out, ensure_ascii=False))
