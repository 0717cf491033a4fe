"""ChatGLM3's reply format, read without vLLM (chatglm3_tool_parser.py uses it; the tests import it alone).

A reply is one or more segments behind `<|assistant|>` headers; a segment's first line is its metadata,
the rest its content. Metadata naming a tool makes the segment a call: its content is a fenced block
"```python\ntool_call(key=value, ...)\n```" whose keyword arguments are Python literals, read with
`ast.literal_eval` (never run).
"""
import ast
import re

ASSISTANT = "<|assistant|>"
# </s>, <|user|> and <|observation|> in ChatGLM3's vocabulary.
TURN_ENDS = [2, 64795, 64797]
TRAILING_SPECIALS = re.compile(r"(?:</s>|<\|user\|>|<\|observation\|>)+\s*$")
CALL_BLOCK = re.compile(r"^\s*```(?:python)?\s*\n(.*?)\n?```\s*$", re.S)


def tool_call_arguments(block: str):
    """The keyword arguments of a fenced `tool_call(...)` block as a dict, or None when the block is
    not exactly one such call with literal arguments."""
    match = CALL_BLOCK.match(block)
    source = (match.group(1) if match else block).strip()
    try:
        call = ast.parse(source, mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "tool_call"
            and not call.args and all(k.arg is not None for k in call.keywords)):
        return None
    try:
        return {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (ValueError, SyntaxError, TypeError):
        return None


def split_reply(text: str, tool_names):
    """The reply's plain text and its calls [(name, arguments dict)]: segments whose metadata names a
    tool and whose content is a well-formed call; every other segment is text."""
    text = TRAILING_SPECIALS.sub("", text)
    plain, calls = [], []
    for segment in text.split(ASSISTANT):
        metadata, _, content = segment.partition("\n")
        name = metadata.strip()
        arguments = tool_call_arguments(content) if name in tool_names else None
        if arguments is not None:
            calls.append((name, arguments))
        elif name and name not in tool_names:
            plain.append(segment.strip())
        else:
            plain.append(content.strip())
    return "\n".join(p for p in plain if p), calls
