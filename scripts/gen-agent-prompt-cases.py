# Generates Tests/GLMToolsTests/Fixtures/agent_prompts.json: conversations with tools, tool calls,
# observations and the code interpreter, as the agent loop stores them, with the prompt ids the
# original ChatGLM3 tokenizer's build_chat_input gives (its rules written out below: a role token,
# sp.encode(metadata + "\n"), sp.encode(content); tools appended to the system message as
# json.dumps(tools, indent=4, ensure_ascii=False)).
# Usage: python3 scripts/gen-agent-prompt-cases.py  (needs `pip install sentencepiece`)
import json
import os
import sentencepiece

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sp = sentencepiece.SentencePieceProcessor(
    model_file=os.path.join(ROOT, "Tests/GLMEngineTests/Fixtures/real-tokenizer/tokenizer.model"))
size = sp.vocab_size()
SPECIAL = {name: size + i for i, name in enumerate(
    ["[MASK]", "[gMASK]", "[sMASK]", "sop", "eop", "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>"])}


def build_single_message(role, metadata, message):
    return [SPECIAL[f"<|{role}|>"]] + sp.encode(f"{metadata}\n") + sp.encode(message)


def build_chat_input(query, history, role="user"):
    ids = [SPECIAL["[gMASK]"], SPECIAL["sop"]]
    for item in history:
        content = item["content"]
        if item["role"] == "system" and "tools" in item:
            content = content + "\n" + json.dumps(item["tools"], indent=4, ensure_ascii=False)
        ids += build_single_message(item["role"], item.get("metadata", ""), content)
    ids += build_single_message(role, "", query)
    ids.append(SPECIAL["<|assistant|>"])
    return ids


TOOL_PROMPT = "Answer the following questions as best as you can. You have access to the following tools:"
CODE_PROMPT = ("You are an intelligent AI assistant, named ChatGLM. You are connected to a computer, but please note "
               "that you cannot connect to the internet. When using Python to solve tasks, you can run the code and get "
               "the results. If there are errors in the running results, you need to improve the code as much as "
               "possible. You can process files uploaded by users to your computer, and the default storage path for "
               "files is /mnt/data/.")
WEATHER = {"name": "get_weather", "description": "Get the current weather of a city",
           "parameters": {"type": "object",
                          "properties": {"city": {"type": "string", "description": "城市名，例如 北京"},
                                         "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                          "required": ["city"]}}
TIME = {"name": "get_time", "description": "The time now in a time zone",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}}}

cases = [
    # The model's replies (raw: metadata line, content, further segments after <|assistant|>) and
    # what goes back; "history" is what the session holds when the last reply is asked for.
    {"name": "call_observation_answer_then_new_question",
     "system": TOOL_PROMPT, "tools": [WEATHER, TIME],
     "question": "北京今天天气怎么样？",
     "replies": ["get_weather\n```python\ntool_call(city='北京', unit='celsius')\n```", "北京今天晴，22 度。"],
     "observations": ['{"temperature": 22, "sky": "sunny"}'],
     "next_question": "And tomorrow?"},
    {"name": "text_then_call_in_one_reply",
     "system": TOOL_PROMPT, "tools": [WEATHER],
     "question": "Weather in Paris?",
     "replies": ["\nLet me check the weather.<|assistant|>get_weather\n```python\ntool_call(city=\"Paris\")\n```",
                 "It is 18 degrees in Paris."],
     "observations": ['{"temperature": 18}'],
     "next_question": "Thanks!"},
    {"name": "two_calls_in_a_row",
     "system": TOOL_PROMPT, "tools": [WEATHER, TIME],
     "question": "Time and weather in Tokyo?",
     "replies": ["get_time\n```python\ntool_call(zone='Asia/Tokyo')\n```",
                 "get_weather\n```python\ntool_call(city='Tokyo')\n```",
                 "It is 9:00 and 25 degrees."],
     "observations": ['"09:00"', '{"error": "the user did not allow this call"}'],
     "next_question": "ok"},
    {"name": "interpreter_two_blocks",
     "system": CODE_PROMPT, "tools": None,
     "question": "#File: /mnt/data/data.csv\n#Size: 42\n#File uploaded\nSum the numbers 1 to 10.",
     "replies": ["interpreter\n```python\nx = sum(range(1, 11))\nprint(x)\n```",
                 "interpreter\n```python\nprint(x * 2)\n```",
                 "The sum is 55 (doubled: 110)."],
     "observations": ["```result\n55\n```", "```result\n110\n```"],
     "next_question": "Now plot it."},
]


def history_for(case, rounds):
    """The messages the session holds after `rounds` replies and their observations, as the loop
    stores them (each segment its own assistant message; plain text stripped)."""
    history = []
    system = {"role": "system", "content": case["system"]}
    if case["tools"]:
        system["tools"] = case["tools"]
    history.append(system)
    history.append({"role": "user", "content": case["question"]})
    for index in range(rounds):
        for part in case["replies"][index].split("<|assistant|>"):
            metadata, content = part.split("\n", 1) if "\n" in part else ("", part)
            if not metadata.strip():
                history.append({"role": "assistant", "metadata": "", "content": content.strip()})
            else:
                history.append({"role": "assistant", "metadata": metadata.strip(), "content": content})
        if index < len(case["observations"]):
            history.append({"role": "observation", "content": case["observations"][index]})
    return history


out = []
for case in cases:
    prompts = []
    # The prompt of every answer the model is asked for, then of the next question.
    for rounds in range(len(case["replies"])):
        history = history_for(case, rounds)
        last = history.pop()
        prompts.append(build_chat_input(last["content"], history, role=last["role"]))
    history = history_for(case, len(case["replies"]))
    prompts.append(build_chat_input(case["next_question"], history))
    out.append({**case, "prompts": prompts})

path = os.path.join(ROOT, "Tests/GLMToolsTests/Fixtures/agent_prompts.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"wrote {len(out)} cases to {path}")
